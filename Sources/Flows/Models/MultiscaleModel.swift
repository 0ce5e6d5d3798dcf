import FlowCore

/// The multi-scale image flow of Chen et al. 2019 in the reduced size of the i-DenseNet paper:
/// logit transform, ActNorm, `scales` scales of `blocksPerScale` × [residual block, ActNorm] with
/// a squeeze between scales, then `fullyConnectedBlocks` × [FC residual block, ActNorm over all
/// features]. Input `[N, H, W, C]` with pixel values in [0, 1] (dequantised). `norms` applies to
/// the Residual Flow branches, convolutional and fully connected alike (as the reference's
/// `vnorms`); i-DenseNet branches are spectrally normalised.
public enum MultiscaleModel {
  /// Builds the model.
  public static func build(
    height: Int, width: Int, channels: Int, branch: ImageBranch, scales: Int = MultiscaleDefaults.scales,
    blocksPerScale: Int = MultiscaleDefaults.blocksPerScale, fullyConnectedBlocks: Int = MultiscaleDefaults.fullyConnectedBlocks,
    activation: ActivationKind = MultiscaleDefaults.activation, coefficient: Float = MultiscaleDefaults.coefficient,
    concatenationCoefficient: Float = MultiscaleDefaults.concatenationCoefficient, logitAlpha: Float, trainingEstimator: LogDeterminantEstimator,
    evaluationEstimator evaluation: LogDeterminantEstimator = MultiscaleDefaults.evaluationEstimator,
    gradient: LogDeterminantGradient, memory: BlockMemory = .store, norms: BranchNorms = .spectral, random: inout RandomStream
  ) -> SequentialFlow {
    var flows: [any Flow] = [LogitTransform(name: "logit", alpha: logitAlpha), ActNorm(name: "actnorm", featureShape: [channels])]
    var (h, w, c) = (height, width, channels)
    func block(_ name: String, _ residual: any ResidualBranch) -> InvertibleResidualBlock {
      InvertibleResidualBlock(name: name, branch: residual, trainingEstimator: trainingEstimator, evaluationEstimator: evaluation, gradient: gradient, memory: memory)
    }
    for scale in 0..<scales {
      for index in 0..<blocksPerScale {
        let name = "scale\(scale).block\(index)"
        let residual: any ResidualBranch
        switch branch {
        case .residualFlow(let hidden, _):
          residual = ConvolutionalBranch(
            name: name, channels: c, hidden: hidden, activation: activation, coefficient: coefficient,
            leadingActivation: scale == 0 && index == 0 ? .omitted : .included, norms: norms, random: &random)
        case .denseNet(let depth, let growth, let concatenation):
          residual = DenseConvolutionalBranch(
            name: name, channels: c, depth: depth, growth: growth, activation: activation, coefficient: coefficient,
            concatenationCoefficient: concatenationCoefficient, concatenation: concatenation, random: &random)
        }
        flows.append(block(name, residual))
        flows.append(ActNorm(name: name + ".actnorm", featureShape: [c]))
      }
      if scale < scales - 1 {
        flows.append(SqueezeFlow(name: "squeeze\(scale)"))
        (h, w, c) = (h / 2, w / 2, c * 4)
      }
    }
    let dimension = h * w * c
    for index in 0..<fullyConnectedBlocks {
      let name = "fc\(index)"
      let residual = fullyConnectedBranch(
        name: name, dimension: dimension, branch: branch, activation: activation, coefficient: coefficient,
        concatenationCoefficient: concatenationCoefficient, norms: norms, random: &random)
      flows.append(block(name, FlattenedBranch(residual)))
      flows.append(ActNorm(name: name + ".actnorm", featureShape: [h, w, c]))
    }
    return SequentialFlow(flows)
  }

  /// The branch of a fully connected block on `dimension` features: D-hidden-D perceptron
  /// (Residual Flow) or D → 64, three dense layers of 32, → D (i-DenseNet).
  public static func fullyConnectedBranch(
    name: String, dimension: Int, branch: ImageBranch, activation: ActivationKind, coefficient: Float, concatenationCoefficient: Float,
    norms: BranchNorms = .spectral, random: inout RandomStream
  ) -> any ResidualBranch {
    switch branch {
    case .residualFlow(_, let fullyConnectedHidden):
      return LipschitzPerceptron(
        name: name, widths: [dimension] + fullyConnectedHidden + [dimension], activation: activation, coefficient: coefficient,
        lastLayer: .standard, norms: norms, random: &random)
    case .denseNet(_, _, let concatenation):
      return DenseBranch(
        name: name, dimension: dimension, depth: 3, growth: 32, activation: activation, coefficient: coefficient,
        concatenationCoefficient: concatenationCoefficient, concatenation: concatenation, projectionWidth: 64, random: &random)
    }
  }

  /// The parameter count of ``build(height:width:channels:branch:scales:blocksPerScale:fullyConnectedBlocks:activation:coefficient:concatenationCoefficient:logitAlpha:trainingEstimator:evaluationEstimator:gradient:memory:norms:random:)``
  /// without building it: the convolutional part from two builds with 1 and 2 blocks per scale
  /// (the count is affine in the blocks, only the model's first block being different) and no
  /// FC blocks (convolutions set up their power iteration lazily, so these builds are cheap); each
  /// FC block (branch and ActNorm) from builds at dimension 1 and 2 (its count is affine in D).
  public static func parameterCount(
    height: Int, width: Int, channels: Int, branch: ImageBranch, scales: Int, blocksPerScale: Int, fullyConnectedBlocks: Int,
    activation: ActivationKind, norms: BranchNorms = .spectral
  ) -> Int {
    var random = RandomStream(seed: 0)
    // Fixed orders add no parameters, and these small builds need not pay for their restarts.
    let countedNorms: BranchNorms = if case .learned = norms { norms } else { .spectral }
    func convolutional(_ blocks: Int) -> Int {
      build(
        height: height, width: width, channels: channels, branch: branch, scales: scales, blocksPerScale: blocks, fullyConnectedBlocks: 0,
        activation: activation, logitAlpha: 0.05, trainingEstimator: .exactJacobian, gradient: .backpropagation, norms: countedNorms,
        random: &random
      ).parameters.reduce(0) { $0 + $1.count }
    }
    func fullyConnected(_ dimension: Int) -> Int {
      fullyConnectedBranch(
        name: "count", dimension: dimension, branch: branch, activation: activation, coefficient: 0.9, concatenationCoefficient: 0.9,
        norms: countedNorms, random: &random
      ).parameters.reduce(0) { $0 + $1.count } + 2 * dimension
    }
    let one = convolutional(1)
    let dimension = height * width * channels
    let (small, larger) = (fullyConnected(1), fullyConnected(2))
    return one + (blocksPerScale - 1) * (convolutional(2) - one) + fullyConnectedBlocks * (small + (dimension - 1) * (larger - small))
  }
}
