import FlowCore
import Flows

/// A named model definition: one row of a table (spec key `models.<name>`).
///
/// ```yaml
/// resflow:
///   label: Residual Flow
///   family: resflow
///   blocks: 10
///   hidden: [128, 128, 128, 128]
///   coefficient: 0.9
///   image:                  # replaces the keys above on image data (MNIST, CIFAR10)
///     blocks: 4             # per scale
///     scales: 3
///     hidden: [512, 512]    # conv kernels 3-1-3
///     fc_blocks: 4
/// ```
///
/// On image data the model is the multi-scale flow of ``MultiscaleModel``: `scales` scales of
/// `blocks` convolutional residual blocks, then `fc_blocks` fully connected ones (hidden widths
/// `fc_hidden` for perceptron families; D → 64, 3 dense layers of 32, → D for i-DenseNets).
public struct ModelSpec: Equatable, Sendable {
  /// The key under `models`.
  public var name: String
  /// The row label in tables.
  public var label: String
  /// The family.
  public var family: ModelFamily
  /// Number of invertible residual blocks (on images: per scale).
  public var blocks: Int
  /// Scales of a multi-scale image model (a squeeze between consecutive ones).
  public var scales: Int
  /// Fully connected blocks at the end of an image model.
  public var fullyConnectedBlocks: Int
  /// Hidden widths of those blocks' perceptron branches (iresnet, resflow).
  public var fullyConnectedHidden: [Int]
  /// Hidden widths of a perceptron branch (iresnet, resflow).
  public var hidden: [Int]
  /// Dense layers per block (idensenet).
  public var depth: Int
  /// Features added per dense layer (idensenet).
  public var growth: GrowthSpec
  /// The activation.
  public var activation: ActivationKind
  /// The Lipschitz coefficient of every linear layer, in (0, 1).
  public var coefficient: Double
  /// The concatenation coefficient c of the dense layers, in (0, 1) (idensenet).
  public var concatenationCoefficient: Double
  /// Fixed or learnable concatenation weights, and when learning starts (idensenet).
  public var concatenation: Concatenation
  /// Initialisation of the last layer of a perceptron branch.
  public var lastLayer: LastLayerInitialization
  /// The training estimator.
  public var estimator: LogDeterminantEstimator
  /// How the log-determinant's gradient is computed in training.
  public var gradient: LogDeterminantGradient
  /// Power iteration after each optimizer step.
  public var trainingPowerIterations: PowerIteration
  /// Power iteration before each evaluation.
  public var evaluationPowerIterations: PowerIteration
  /// The keys allowed under `models.<name>` (`sweep` is the model's own sweep, read by ``SweepSpec``).
  public static let keys = [
    "label", "family", "blocks", "hidden", "depth", "growth", "activation", "coefficient", "concatenation", "last_layer",
    "estimator", "gradient", "power_iterations", "scales", "fc_blocks", "fc_hidden", "image", "sweep",
  ]

  /// The keys allowed in a model overlay (`models.<name>.image`, `datasets.<name>.model`): those of
  /// a model but `image` and `sweep`.
  public static let overlayKeys = keys.filter { $0 != "image" && $0 != "sweep" }

  /// Reads a model definition strictly; family-specific keys are checked against the family
  /// (``BranchSettings``). The model's own `sweep` is read by ``SweepSpec``.
  public init(name: String, node: SpecNode) throws {
    let mapping = try node.mapping(allowedKeys: ModelSpec.keys)
    self.name = name
    label = try mapping.optional("label")?.string() ?? name
    family = try mapping.required("family").choice(ModelFamily.self)
    blocks = try mapping.required("blocks").integer(in: 1...10_000)
    scales = try mapping.optional("scales")?.integer(in: 1...5) ?? MultiscaleDefaults.scales
    fullyConnectedBlocks = try mapping.optional("fc_blocks")?.integer(in: 0...1000) ?? MultiscaleDefaults.fullyConnectedBlocks
    fullyConnectedHidden = try mapping.optional("fc_hidden")?.sequence().map { try $0.integer(in: 1...65_536) } ?? MultiscaleDefaults.fullyConnectedHidden
    if let image = mapping.optional("image") { _ = try image.mapping(allowedKeys: ModelSpec.overlayKeys) }
    let branch = try BranchSettings(mapping, family: family)
    (hidden, depth, growth) = (branch.hidden, branch.depth, branch.growth)
    (concatenationCoefficient, concatenation, lastLayer) = (branch.concatenationCoefficient, branch.concatenation, branch.lastLayer)
    activation = try mapping.optional("activation")?.choice(ActivationKind.self) ?? (family == .iresnet ? .elu : .lipSwish)
    if family == .idensenet, case .fixed(let value) = growth, value % activation.widthMultiplier != 0 {
      throw try mapping.required("growth").error("\(value) must be even with clipswish (it splits the growth in two halves)")
    }
    coefficient = try mapping.required("coefficient").number(allowed: "in (0, 1)") { $0 > 0 && $0 < 1 }
    estimator = try mapping.optional("estimator").map(ModelSpec.estimator) ?? ModelSpec.defaultEstimator(family)
    gradient = try mapping.optional("gradient")?.choice(GradientChoice.self).value ?? .backpropagation
    (trainingPowerIterations, evaluationPowerIterations) = try ModelSpec.powerIterations(mapping.optional("power_iterations"))
  }

  /// The growth, once a budget match has been resolved (0 for perceptron families).
  public var fixedGrowth: Int? {
    if case .fixed(let value) = growth { return value }
    return nil
  }
}
