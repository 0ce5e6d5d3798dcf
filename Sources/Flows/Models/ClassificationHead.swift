import FlowCore
import Foundation

/// The classification head of the Residual Flow image model (residual-flows `lib/resflow.py`,
/// `ResidualFlow.build_multiscale_classifier` and `forward(..., classify=True)`; Chen et al. 2019,
/// hybrid modeling), on the features of a ``MultiscaleModel``.
///
/// Features: the flow's activation at the end of every scale, as the reference takes them without
/// factoring out — for each scale but the last, the output of its squeeze `[N, H/2ˢ⁺¹, W/2ˢ⁺¹,
/// C·4ˢ⁺¹]`; for the last scale, the model's output after the fully connected blocks (the
/// reference's last `StackediResBlocks` holds its FC blocks), `[N, H', W', C']`. See
/// ``featurePositions(of:)``.
///
/// Layers, one branch per scale: conv 3×3 (stride 1, padding 1, bias; C_s → `width`, the
/// reference's `--cdim`, 256) → ActNorm over channels (initialised from the first batch) → ReLU →
/// mean over the spatial positions (`AdaptiveAvgPool2d(1)`), `[N, width]`; the branches are
/// concatenated, `[N, width·S]`, and one linear layer with bias gives the logits `[N, classes]`.
/// The convolutions and the linear layer are ordinary (not Lipschitz-constrained: the head is not
/// part of the invertible map), initialised as PyTorch's defaults, U(−1/√fan_in, 1/√fan_in).
public final class ClassificationHead {
  /// Per scale: the convolution's weight `[width, 3, 3, C_s]` and bias `[width]`.
  public let convolutions: [(weight: Parameter, bias: Parameter)]
  /// Per scale: the ActNorm after the convolution.
  public let normalizations: [ActNorm]
  /// The logit layer's weight `[classes, width·S]` and bias `[classes]`.
  public let logitWeight: Parameter, logitBias: Parameter

  /// Creates the head for feature maps of `channels` channels (one per scale), `width` channels
  /// per branch and `classes` classes; parameter names start with `head.`.
  public init(channels: [Int], width: Int, classes: Int, random: inout RandomStream) {
    precondition(!channels.isEmpty && width > 0 && classes > 1, "A classification head needs features, a width and two classes or more")
    func uniform(_ shape: [Int], fanIn: Int, _ name: String) -> Parameter {
      let bound = Float(1 / Foundation.sqrt(Double(fanIn)))
      return Parameter(name: name, value: Tensor.randomUniform(shape: shape, lower: -bound, upper: bound, stream: &random))
    }
    convolutions = channels.enumerated().map { scale, channels in
      (uniform([width, 3, 3, channels], fanIn: 9 * channels, "head.scale\(scale).conv.weight"),
       uniform([width], fanIn: 9 * channels, "head.scale\(scale).conv.bias"))
    }
    normalizations = channels.indices.map { ActNorm(name: "head.scale\($0).actnorm", featureShape: [width]) }
    logitWeight = uniform([classes, width * channels.count], fanIn: width * channels.count, "head.logits.weight")
    logitBias = uniform([classes], fanIn: width * channels.count, "head.logits.bias")
  }

  /// The trainable parameters, in a fixed order (scale by scale, then the logit layer).
  public var parameters: [Parameter] {
    convolutions.flatMap { [$0.weight, $0.bias] } + normalizations.flatMap(\.parameters) + [logitWeight, logitBias]
  }

  /// The logits `[N, classes]` of the per-scale features `[N, H_s, W_s, C_s]`.
  public func callAsFunction(_ features: [Variable]) -> Variable {
    precondition(features.count == convolutions.count, "The head has \(convolutions.count) branches, given \(features.count) feature maps")
    var unused = FlowContext(mode: .evaluation, random: RandomStream(seed: 0))
    let pooled = features.indices.map { scale in
      let (weight, bias) = (convolutions[scale].weight.variable, convolutions[scale].bias.variable)
      let convolved = Variable.convolution(features[scale], weight: weight, padding: 1) + bias
      let normalized = normalizations[scale].forward(convolved, context: &unused).value.rectified()
      let shape = normalized.shape
      return normalized.reshaped([shape[0], shape[1] * shape[2], shape[3]]).mean(alongAxis: 1)
    }
    return Variable.affine(Variable.concatenatingLastAxis(pooled), weight: logitWeight.variable, bias: logitBias.variable)
  }

  /// Where a ``MultiscaleModel`` yields the head's features: the index in `model.flows` of every
  /// squeeze, then of the last flow.
  public static func featurePositions(of model: SequentialFlow) -> [Int] {
    model.flows.indices.filter { model.flows[$0] is SqueezeFlow } + [model.flows.count - 1]
  }

  /// The channels of the features of a ``MultiscaleModel`` with `scales` scales on `channels`
  /// input channels: C·4ˢ⁺¹ after the squeeze of scale s, C·4^(S−1) at the end.
  public static func featureChannels(channels: Int, scales: Int) -> [Int] {
    (0..<scales).map { scale in channels * Int(pow(4, Double(min(scale + 1, scales - 1)))) }
  }
}

extension Variable {
  /// ReLU, max(x, 0), as x·1[x > 0] with the mask a constant (derivative 0 at 0).
  public func rectified() -> Variable {
    self * Variable(value.mapScalars { $0 > 0 ? 1 : 0 })
  }
}
