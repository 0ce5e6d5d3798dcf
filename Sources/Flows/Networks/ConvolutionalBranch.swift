import FlowCore

/// The Residual Flow image branch (residual-flows `StackediResBlocks`), on `[N, H, W, c]`: with
/// `hidden` = [h₁, h₂] the kernels are 3-1-3,
/// [act] → conv3×3(c→h₁) → act → conv1×1(h₁→h₂) → act → conv3×3(h₂→c);
/// in general the first and last convolutions are 3×3 and those between 1×1.
/// The leading activation is omitted for the first block of a model.
public final class ConvolutionalBranch: ResidualBranch {
  /// The three convolutions.
  public let convolutions: [LipschitzConvolution]
  /// One activation before each convolution (nil before the first when there is no leading one).
  public let activations: [Activation?]
  /// The learned norm orders the convolutions share (`<name>.order<i>`), empty unless learned.
  public let learnedOrders: [LearnedNormOrder]

  /// Creates the branch for `channels` channels with hidden widths `hidden` (at least one);
  /// `norms` gives convolution i its domain and codomain (``BranchNorms``; the spectral norm by
  /// default).
  public init(
    name: String, channels: Int, hidden: [Int], activation: ActivationKind, coefficient: Float,
    leadingActivation: LeadingActivation, norms: BranchNorms = .spectral, random: inout RandomStream
  ) {
    precondition(!hidden.isEmpty, "A convolutional branch needs at least one hidden width")
    let widths = [channels] + hidden + [channels]
    let shapes = (0..<(widths.count - 1)).map { index in
      (widths[index], widths[index + 1], index == 0 || index == widths.count - 2 ? 3 : 1)
    }
    let (layerNorms, learnedOrders) = norms.layerNorms(layers: shapes.count, name: name)
    convolutions = shapes.enumerated().map { index, shape in
      let widened = index == 0 && leadingActivation == .omitted ? shape.0 : shape.0 * activation.widthMultiplier
      return LipschitzConvolution(
        name: "\(name).conv\(index)", inputChannels: widened, outputChannels: shape.1, kernelSize: shape.2,
        coefficient: coefficient, norm: layerNorms[index], random: &random)
    }
    self.learnedOrders = learnedOrders
    activations = shapes.indices.map { index in
      index == 0 && leadingActivation == .omitted ? nil : Activation(activation, name: "\(name).activation\(index)")
    }
  }

  public var parameters: [Parameter] {
    zip(activations, convolutions).flatMap { ($0?.parameters ?? []) + $1.parameters } + learnedOrders.map(\.parameter)
  }
  public var lipschitzLayers: [any LipschitzLayer] { convolutions }
  public var concatenationLayers: [any ConcatenationLayer] { [] }

  public func callAsFunction(_ input: Variable) -> Variable {
    var hidden = input
    for (activation, convolution) in zip(activations, convolutions) {
      if let activation { hidden = activation(hidden) }
      hidden = convolution(hidden)
    }
    return hidden
  }
}
