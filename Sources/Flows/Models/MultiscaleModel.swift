import FlowCore

/// The residual branch family of an image model.
public enum ImageBranch: Sendable, Equatable {
  /// Residual Flow conv branches 3-1-3 with `hidden` channels; FC branches D-128-128-D.
  case residualFlow(hidden: Int)
  /// i-DenseNet conv branches (`depth` dense layers of `growth` channels, then 1×1); FC branches
  /// D → 64, three dense layers of 32, → D.
  case denseNet(depth: Int, growth: Int, concatenation: Concatenation)
}

/// The multi-scale image flow of Chen et al. 2019 in the reduced size of the i-DenseNet paper:
/// logit transform, ActNorm, `scales` scales of `blocksPerScale` × [residual block, ActNorm] with
/// a squeeze between scales, then `fullyConnectedBlocks` × [FC residual block, ActNorm over all
/// features]. Input `[N, H, W, C]` with pixel values in [0, 1] (dequantised).
public enum MultiscaleModel {
  /// Builds the model.
  public static func build(
    height: Int, width: Int, channels: Int, branch: ImageBranch, scales: Int = 3, blocksPerScale: Int = 4,
    fullyConnectedBlocks: Int = 4, activation: ActivationKind = .lipSwish, coefficient: Float = 0.98,
    concatenationCoefficient: Float = 0.98, logitAlpha: Float, trainingEstimator: LogDeterminantEstimator,
    gradient: LogDeterminantGradient, random: inout RandomStream
  ) -> SequentialFlow {
    var flows: [any Flow] = [LogitTransform(name: "logit", alpha: logitAlpha), ActNorm(name: "actnorm", featureShape: [channels])]
    var (h, w, c) = (height, width, channels)
    let evaluation = LogDeterminantEstimator.russianRoulette(.poisson(2), exactTerms: 20, samples: 1)
    func block(_ name: String, _ residual: any ResidualBranch) -> InvertibleResidualBlock {
      InvertibleResidualBlock(name: name, branch: residual, trainingEstimator: trainingEstimator, evaluationEstimator: evaluation, gradient: gradient)
    }
    for scale in 0..<scales {
      for index in 0..<blocksPerScale {
        let name = "scale\(scale).block\(index)"
        let residual: any ResidualBranch
        switch branch {
        case .residualFlow(let hidden):
          residual = ConvolutionalBranch(
            name: name, channels: c, hidden: hidden, activation: activation, coefficient: coefficient,
            leadingActivation: !(scale == 0 && index == 0), random: &random)
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
      let residual: any ResidualBranch
      switch branch {
      case .residualFlow:
        residual = LipschitzPerceptron(name: name, widths: [dimension, 128, 128, dimension], activation: activation, coefficient: coefficient, lastLayer: .standard, random: &random)
      case .denseNet(_, _, let concatenation):
        residual = DenseBranch(
          name: name, dimension: dimension, depth: 3, growth: 32, activation: activation, coefficient: coefficient,
          concatenationCoefficient: concatenationCoefficient, concatenation: concatenation, projectionWidth: 64, random: &random)
      }
      flows.append(block(name, FlattenedBranch(residual)))
      flows.append(ActNorm(name: name + ".actnorm", featureShape: [h, w, c]))
    }
    return SequentialFlow(flows)
  }
}
