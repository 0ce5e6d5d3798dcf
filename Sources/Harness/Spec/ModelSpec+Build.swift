import FlowCore
import Flows

/// Building a model definition and counting its parameters.
extension ModelSpec {
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
          lastLayer: lastLayer, norms: norms, random: &random)
      case .idensenet:
        guard let growth = fixedGrowth else { preconditionFailure("Resolve the growth budget of \(self.name) before building it") }
        branch = DenseBranch(
          name: name, dimension: dimension, depth: depth, growth: growth, activation: activation, coefficient: Float(coefficient),
          concatenationCoefficient: Float(concatenationCoefficient), concatenation: concatenation, random: &random)
      }
      return InvertibleResidualBlock(name: name, branch: branch, trainingEstimator: training, evaluationEstimator: evaluation, gradient: gradient, memory: memory)
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
      gradient: gradient, memory: memory, norms: norms, random: &random)
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
      blocksPerScale: blocks, fullyConnectedBlocks: fullyConnectedBlocks, activation: activation, norms: norms)
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

  /// The classification head of the image model on `data` (nil for task density and toy data),
  /// drawn from `random` after the model itself (so a density model's initialisation is unchanged).
  public func buildHead(for data: DatasetSpec, random: inout RandomStream) -> ClassificationHead? {
    guard data.task.classifies, let geometry = data.kind.geometry else { return nil }
    let channels = ClassificationHead.featureChannels(channels: geometry.channels, scales: scales)
    return ClassificationHead(channels: channels, width: data.classifierWidth, classes: 10, random: &random)
  }

  /// The trainable numbers of the classification head on `data` (0 for task density and toy data):
  /// per scale s a 3×3 convolution C_s → w with bias and an ActNorm (2w), then (S·w + 1)·10.
  public func headParameterCount(for data: DatasetSpec) -> Int {
    guard data.task.classifies, let geometry = data.kind.geometry else { return 0 }
    let width = data.classifierWidth
    let channels = ClassificationHead.featureChannels(channels: geometry.channels, scales: scales)
    let branches = channels.reduce(0) { $0 + width * (9 * $1 + 1) + 2 * width }
    return branches + (channels.count * width + 1) * 10
  }
}
