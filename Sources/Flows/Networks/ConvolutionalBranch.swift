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

  /// Creates the branch for `channels` channels with hidden widths `hidden` (at least one).
  public init(
    name: String, channels: Int, hidden: [Int], activation: ActivationKind, coefficient: Float,
    leadingActivation: Bool, random: inout RandomStream
  ) {
    precondition(!hidden.isEmpty, "A convolutional branch needs at least one hidden width")
    let widths = [channels] + hidden + [channels]
    let shapes = (0..<(widths.count - 1)).map { index in
      (widths[index], widths[index + 1], index == 0 || index == widths.count - 2 ? 3 : 1)
    }
    convolutions = shapes.enumerated().map { index, shape in
      let widened = index == 0 && !leadingActivation ? shape.0 : shape.0 * activation.widthMultiplier
      return LipschitzConvolution(
        name: "\(name).conv\(index)", inputChannels: widened, outputChannels: shape.1, kernelSize: shape.2,
        coefficient: coefficient, random: &random)
    }
    activations = shapes.indices.map { index in
      index == 0 && !leadingActivation ? nil : Activation(activation, name: "\(name).activation\(index)")
    }
  }

  public var parameters: [Parameter] {
    zip(activations, convolutions).flatMap { ($0?.parameters ?? []) + $1.parameters }
  }
  public var lipschitzLayers: [any LipschitzLayer] { convolutions }

  public func callAsFunction(_ input: Variable) -> Variable {
    var hidden = input
    for (activation, convolution) in zip(activations, convolutions) {
      if let activation { hidden = activation(hidden) }
      hidden = convolution(hidden)
    }
    return hidden
  }
}

/// The i-DenseNet image branch (fork `StackediResBlocks` with `densenet=True`): `depth` dense
/// layers [η̂₁·x, η̂₂·φ(conv3×3(x))], each adding `growth` channels, then conv1×1 back to c.
public final class DenseConvolutionalBranch: ResidualBranch {
  /// The dense layers' convolutions, activations and concatenation weights.
  public let convolutions: [LipschitzConvolution]
  /// φ of each dense layer.
  public let activations: [Activation]
  /// K₁, K₂ per dense layer when learnable.
  public let concatenationWeights: [Parameter?]
  /// ‖η̂‖ (0.98).
  public let concatenationCoefficient: Float
  /// Fixed or learnable, and from when.
  public let concatenation: Concatenation
  /// The final 1×1 convolution.
  public let output: LipschitzConvolution

  /// Creates the branch.
  public init(
    name: String, channels: Int, depth: Int, growth: Int, activation: ActivationKind, coefficient: Float,
    concatenationCoefficient: Float, concatenation: Concatenation, random: inout RandomStream
  ) {
    var width = channels
    var built: [LipschitzConvolution] = []
    precondition(growth % activation.widthMultiplier == 0, "Growth \(growth) must be divisible by \(activation.widthMultiplier) for \(activation.rawValue)")
    for index in 0..<depth {
      built.append(LipschitzConvolution(name: "\(name).dense\(index).conv", inputChannels: width, outputChannels: growth / activation.widthMultiplier, kernelSize: 3, coefficient: coefficient, random: &random))
      width += growth
    }
    convolutions = built
    activations = (0..<depth).map { Activation(activation, name: "\(name).dense\($0).activation") }
    concatenationWeights = (0..<depth).map { index in
      if case .learnable = concatenation { return Parameter(name: "\(name).dense\(index).concatenation", value: Tensor(shape: [2], scalars: [1, 1])) }
      return nil
    }
    self.concatenationCoefficient = concatenationCoefficient
    self.concatenation = concatenation
    output = LipschitzConvolution(name: "\(name).output", inputChannels: width, outputChannels: channels, kernelSize: 1, coefficient: coefficient, random: &random)
  }

  public var parameters: [Parameter] {
    (0..<convolutions.count).flatMap { convolutions[$0].parameters + activations[$0].parameters + (concatenationWeights[$0].map { [$0] } ?? []) }
      + output.parameters
  }
  public var lipschitzLayers: [any LipschitzLayer] { convolutions + [output] }

  /// Resets every K to 1 when `iteration` is before the start of the learnable concatenation.
  public func applyConcatenationSchedule(afterIteration iteration: Int) {
    guard case .learnable(let start) = concatenation, iteration < start else { return }
    for weights in concatenationWeights { weights?.value = Tensor(shape: [2], scalars: [1, 1]) }
  }

  /// (η̂₁, η̂₂) of dense layer `index` as a `[2]` variable.
  public func normalizedConcatenationWeights(_ index: Int) -> Variable {
    normalizedConcatenation(concatenationWeights[index], coefficient: concatenationCoefficient)
  }

  public func callAsFunction(_ input: Variable) -> Variable {
    var hidden = input
    for index in convolutions.indices {
      let grown = activations[index](convolutions[index](hidden))
      hidden = Variable.concatenatingLastAxis([hidden, grown], scaledBy: normalizedConcatenationWeights(index))
    }
    return output(hidden)
  }
}

/// A fully connected branch on flattened images (the 4 blocks at the end of the image models):
/// `[N, H, W, C]` is flattened to `[N, D]`, passed through `branch`, and reshaped back.
public final class FlattenedBranch: ResidualBranch {
  /// The branch on `[N, D]`.
  public let branch: any ResidualBranch

  /// Wraps a branch on flat vectors.
  public init(_ branch: any ResidualBranch) { self.branch = branch }

  public var parameters: [Parameter] { branch.parameters }
  public var lipschitzLayers: [any LipschitzLayer] { branch.lipschitzLayers }

  public func applyConcatenationSchedule(afterIteration iteration: Int) {
    branch.applyConcatenationSchedule(afterIteration: iteration)
  }

  public func callAsFunction(_ input: Variable) -> Variable {
    let batch = input.shape[0]
    return branch(input.reshaped([batch, input.value.count / batch])).reshaped(input.shape)
  }
}
