import FlowCore
import Flows

/// Which of the three model families a definition builds (they differ only in the residual
/// branch g and its defaults).
public enum ModelFamily: String, CaseIterable, Sendable {
  /// i-ResNet (Behrmann et al. 2019): perceptron branch, ELU by default, truncated power series.
  case iresnet
  /// Residual Flow (Chen et al. 2019): perceptron branch with LipSwish, last layer near zero.
  case resflow
  /// Invertible DenseNet (Perugachi-Diaz et al. 2021): dense branch of `depth` layers of `growth`.
  case idensenet
}

/// How the growth of a dense branch is given: a number, or "whatever makes the parameter count
/// closest to that of another model" (the paper compares at equal budgets).
public enum GrowthSpec: Equatable, Sendable {
  /// A fixed growth.
  case fixed(Int)
  /// The growth whose total parameter count is closest to the named model's.
  case matchingBudget(of: String)
}

/// How the log-determinant is estimated during training (spec key `model.estimator`).
public enum EstimatorKind: String, CaseIterable, Sendable {
  /// The exact log-determinant (2×2 formula for 2-D data, full Jacobian otherwise).
  case exact
  /// The truncated power series with `terms` terms (i-ResNet, biased).
  case powerSeries = "power_series"
  /// The unbiased Russian-roulette estimator (Residual Flows).
  case russianRoulette = "russian_roulette"
}

/// The distribution of the number of series terms of the Russian-roulette estimator.
public enum TermDistributionKind: String, CaseIterable, Sendable {
  /// Geometric with success probability `parameter` (toy reference: 0.5).
  case geometric
  /// Poisson with rate `parameter` (image reference: 2).
  case poisson
}

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

  /// The training estimator of a family when none is given: 5 power-series terms for i-ResNets,
  /// else a geometric(0.5) Russian roulette with 2 exact terms (the toy references).
  static func defaultEstimator(_ family: ModelFamily) -> LogDeterminantEstimator {
    family == .iresnet ? .powerSeries(terms: 5) : .russianRoulette(.geometric(0.5), exactTerms: 2, samples: 1)
  }

  /// `power_iterations: {training, evaluation}`, each 5 and 200 by default.
  static func powerIterations(_ node: SpecNode?) throws -> (training: PowerIteration, evaluation: PowerIteration) {
    guard let node else { return (.iterations(5), .iterations(200)) }
    let iterations = try node.mapping(allowedKeys: ["training", "evaluation"])
    return (
      try iterations.optional("training").map(ModelSpec.powerIteration) ?? .iterations(5),
      try iterations.optional("evaluation").map(ModelSpec.powerIteration) ?? .iterations(200)
    )
  }

  /// A count of iterations (`5`), or `{tolerance: 1.0e-3, maximum: 200}` (iterate until u and v
  /// change by less than the tolerance, absolute and relative, as the image reference).
  static func powerIteration(_ node: SpecNode) throws -> PowerIteration {
    if case .mapping = node.node {
      let mapping = try node.mapping(allowedKeys: ["tolerance", "maximum"])
      let tolerance = try mapping.required("tolerance").number(allowed: "> 0") { $0 > 0 }
      let maximum = try mapping.optional("maximum")?.integer(in: 1...10_000) ?? 200
      return .tolerance(absolute: Float(tolerance), relative: Float(tolerance), maximumIterations: maximum)
    }
    return .iterations(try node.integer(in: 0...10_000))
  }

  /// The keys each estimator kind takes.
  static func estimatorKeys(_ kind: EstimatorKind) -> [String] {
    switch kind {
    case .exact: return ["kind"]
    case .powerSeries: return ["kind", "terms"]
    case .russianRoulette: return ["kind", "distribution", "parameter", "exact_terms", "samples"]
    }
  }

  /// `estimator: {kind, ...}`, with the keys of its kind only.
  static func estimator(_ node: SpecNode) throws -> LogDeterminantEstimator {
    let mapping = try node.mapping(allowedKeys: ["kind", "terms", "distribution", "parameter", "exact_terms", "samples"])
    let kind = try mapping.required("kind").choice(EstimatorKind.self)
    let allowed = estimatorKeys(kind)
    if let key = mapping.keys.first(where: { !allowed.contains($0) }), let value = mapping.optional(key) {
      throw value.error("'\(key)' does not apply to estimator \(kind.rawValue); its keys are \(allowed.joined(separator: ", "))")
    }
    switch kind {
    case .exact:
      return .exactJacobian
    case .powerSeries:
      return .powerSeries(terms: try mapping.optional("terms")?.integer(in: 1...100) ?? 5)
    case .russianRoulette:
      let distribution = try mapping.optional("distribution")?.choice(TermDistributionKind.self) ?? .geometric
      let terms: TermDistribution
      switch distribution {
      case .geometric:
        let allowed = "a probability in [0.01, 1) (1/p is the expected number of terms)"
        terms = .geometric(try mapping.optional("parameter")?.number(allowed: allowed) { $0 >= 0.01 && $0 < 1 } ?? 0.5)
      case .poisson:
        terms = .poisson(try mapping.optional("parameter")?.number(allowed: "a rate in (0, 50] (the expected number of terms)") { $0 > 0 && $0 <= 50 } ?? 2)
      }
      return .russianRoulette(
        terms, exactTerms: try mapping.optional("exact_terms")?.integer(in: 0...100) ?? 2,
        samples: try mapping.optional("samples")?.integer(in: 1...100) ?? 1)
    }
  }

  /// The growth, once a budget match has been resolved (0 for perceptron families).
  public var fixedGrowth: Int? {
    if case .fixed(let value) = growth { return value }
    return nil
  }

  /// Builds the model for `dimension`-dimensional data (toy: 2). The growth must be fixed.
  public func build(dimension: Int, random: inout RandomStream) -> SequentialFlow {
    let evaluation: LogDeterminantEstimator = dimension == 2 ? .exactTwoByTwo : .exactJacobian
    let training: LogDeterminantEstimator = (estimator == .exactJacobian && dimension == 2) ? .exactTwoByTwo : estimator
    let blocks: [any Flow] = (0..<self.blocks).map { index in
      let name = "block\(index)"
      let branch: any ResidualBranch
      switch family {
      case .iresnet, .resflow:
        branch = LipschitzPerceptron(
          name: name, widths: [dimension] + hidden + [dimension], activation: activation, coefficient: Float(coefficient),
          lastLayer: lastLayer, random: &random)
      case .idensenet:
        guard let growth = fixedGrowth else { preconditionFailure("Resolve the growth budget of \(self.name) before building it") }
        branch = DenseBranch(
          name: name, dimension: dimension, depth: depth, growth: growth, activation: activation, coefficient: Float(coefficient),
          concatenationCoefficient: Float(concatenationCoefficient), concatenation: concatenation, random: &random)
      }
      return InvertibleResidualBlock(name: name, branch: branch, trainingEstimator: training, evaluationEstimator: evaluation, gradient: gradient)
    }
    return SequentialFlow(blocks)
  }

  /// Builds the multi-scale model for images of `geometry`, with the logit transform's α;
  /// `evaluationEstimator` replaces the evaluation's Russian roulette with 20 exact terms
  /// (`.exactJacobian` for exact log-densities of small images).
  public func build(
    image geometry: ImageGeometry, logitAlpha: Double, evaluationEstimator: LogDeterminantEstimator? = nil, random: inout RandomStream
  ) -> SequentialFlow {
    MultiscaleModel.build(
      height: geometry.height, width: geometry.width, channels: geometry.channels, branch: imageBranch, scales: scales, blocksPerScale: blocks,
      fullyConnectedBlocks: fullyConnectedBlocks, activation: activation, coefficient: Float(coefficient),
      concatenationCoefficient: Float(concatenationCoefficient), logitAlpha: Float(logitAlpha), trainingEstimator: estimator,
      evaluationEstimator: evaluationEstimator ?? MultiscaleDefaults.evaluationEstimator,
      gradient: gradient, random: &random)
  }

  /// The number of trainable numbers of the model on `data` (toy: 2-D; images: the multi-scale model).
  /// It builds (parts of) the model, so it allocates about as much as the model holds: plans
  /// check ``parameterLowerBound(for:)`` first and refuse models above ``SpecLimits/maximumParameters``.
  /// (Image models: ``MultiscaleModel/parameterCount(height:width:channels:branch:scales:blocksPerScale:fullyConnectedBlocks:activation:)``,
  /// from small builds.)
  public func parameterCount(for data: DatasetSpec) -> Int {
    guard let geometry = data.kind.geometry else { return parameterCount(dimension: 2) }
    return MultiscaleModel.parameterCount(
      height: geometry.height, width: geometry.width, channels: geometry.channels, branch: imageBranch, scales: scales,
      blocksPerScale: blocks, fullyConnectedBlocks: fullyConnectedBlocks, activation: activation)
  }

  /// The branch family of the image model.
  var imageBranch: ImageBranch {
    switch family {
    case .iresnet, .resflow:
      return .residualFlow(hidden: hidden, fullyConnectedHidden: fullyConnectedHidden)
    case .idensenet:
      guard let growth = fixedGrowth else { preconditionFailure("Resolve the growth budget of \(name) before building it") }
      return .denseNet(depth: depth, growth: growth, concatenation: concatenation)
    }
  }

  /// The number of trainable numbers of the model on `dimension`-dimensional data.
  public func parameterCount(dimension: Int) -> Int {
    var single = self
    single.blocks = 1
    var random = RandomStream(seed: 0)
    return single.build(dimension: dimension, random: &random).parameters.reduce(0) { $0 + $1.count } * blocks
  }
}

/// `gradient` values.
enum GradientChoice: String, CaseIterable {
  case backpropagation
  case neumann
  var value: LogDeterminantGradient { self == .backpropagation ? .backpropagation : .neumannSeries }
}

extension ModelSpec {
  /// A copy whose growth is the one (among even growths for clipswish) that brings the parameter
  /// count closest to `target`; ties go to the smaller growth. The count grows monotonically with
  /// the growth, so doubling until the target is passed and then bisecting needs about 2·log₂(growth)
  /// one-block builds, none larger than twice the answer.
  ///
  /// A candidate whose ``parameterLowerBound(for:)`` is above twice the target is not built (it
  /// loses to the growth below it either way), so the builds stay within a few times the target.
  public func matchingBudget(_ target: Int, data: DatasetSpec) -> (spec: ModelSpec, parameters: Int) {
    matchingBudget(target, data: data, counts: ParameterCounts())
  }

  /// ``matchingBudget(_:data:)`` with counts remembered in `counts`.
  func matchingBudget(_ target: Int, data: DatasetSpec, counts: ParameterCounts) -> (spec: ModelSpec, parameters: Int) {
    let step = activation.widthMultiplier
    func count(_ growth: Int) -> Int {
      var candidate = self
      candidate.growth = .fixed(growth * step)
      if candidate.parameterLowerBound(for: data) > 2 * Double(target) { return Int.max / 4 }
      return counts.count(candidate, on: data)
    }
    var high = 1
    while count(high) < target && high < 65_536 / step { high *= 2 }
    var low = max(high / 2, 1)
    while low < high {
      let middle = (low + high) / 2
      if count(middle) < target { low = middle + 1 } else { high = middle }
    }
    let below = max(low - 1, 1)
    let best = abs(count(below) - target) <= abs(count(low) - target) ? below : low
    var resolved = self
    resolved.growth = .fixed(best * step)
    return (resolved, counts.count(resolved, on: data))
  }
}
