import FlowCore

/// The i-DenseNet image branch (fork `StackediResBlocks` with `densenet=True`) on `[N, H, W, c]`:
/// `depth` dense layers [η̂₁·x, η̂₂·φ(conv3×3(x))], each adding `growth` channels, then
/// conv1×1 back to c.
public final class DenseConvolutionalBranch: ResidualBranch {
  /// The dense layers, each a 3×3 convolution, φ and its concatenation weights.
  public let layers: [DenseLayer<LipschitzConvolution>]
  /// The final 1×1 convolution, `[N, H, W, c + depth·growth] → [N, H, W, c]`.
  public let output: LipschitzConvolution

  /// Creates the branch.
  public init(
    name: String, channels: Int, depth: Int, growth: Int, activation: ActivationKind, coefficient: Float,
    concatenationCoefficient: Float, concatenation: Concatenation, random: inout RandomStream
  ) {
    var width = channels
    var built: [DenseLayer<LipschitzConvolution>] = []
    precondition(growth % activation.widthMultiplier == 0, "Growth \(growth) must be divisible by \(activation.widthMultiplier) for \(activation.rawValue)")
    for index in 0..<depth {
      let convolution = LipschitzConvolution(
        name: "\(name).dense\(index).conv", inputChannels: width, outputChannels: growth / activation.widthMultiplier, kernelSize: 3,
        coefficient: coefficient, random: &random)
      built.append(DenseLayer(
        map: convolution, activation: Activation(activation, name: "\(name).dense\(index).activation"),
        concatenationCoefficient: concatenationCoefficient, concatenation: concatenation, name: "\(name).dense\(index)"))
      width += growth
    }
    layers = built
    output = LipschitzConvolution(name: "\(name).output", inputChannels: width, outputChannels: channels, kernelSize: 1, coefficient: coefficient, random: &random)
  }

  public var parameters: [Parameter] { layers.flatMap(\.parameters) + output.parameters }
  public var lipschitzLayers: [any LipschitzLayer] { layers.map(\.map) + [output] }
  public var concatenationLayers: [any ConcatenationLayer] { layers }

  public func callAsFunction(_ input: Variable) -> Variable {
    var hidden = input
    for layer in layers { hidden = layer(hidden) }
    return output(hidden)
  }
}
