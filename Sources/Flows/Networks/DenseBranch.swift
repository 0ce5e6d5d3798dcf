import FlowCore

/// The fully connected i-DenseNet branch: `depth` dense layers, each adding `growth` features,
/// then a Lipschitz linear map back to `d` (the toy i-DenseNet of Perugachi-Diaz et al. 2021).
public final class DenseBranch: ResidualBranch {
  /// The dense layers.
  public let layers: [DenseLayer<LipschitzLinear>]
  /// The final map `[..., d + depth·growth] → [..., d]`.
  public let output: LipschitzLinear
  /// An optional first map `d → width` without activation (the image models' FC dense block
  /// starts with Linear(D → 64)).
  public let inputProjection: LipschitzLinear?

  /// Creates the branch for `dimension`-dimensional inputs.
  public init(
    name: String, dimension: Int, depth: Int, growth: Int, activation: ActivationKind,
    coefficient: Float, concatenationCoefficient: Float, concatenation: Concatenation,
    projectionWidth: Int? = nil, random: inout RandomStream
  ) {
    precondition(depth >= 1 && growth >= 1, "Dense branch needs depth ≥ 1 and growth ≥ 1")
    precondition(concatenationCoefficient > 0 && concatenationCoefficient < 1, "Concatenation coefficient must be in (0, 1)")
    inputProjection = projectionWidth.map {
      LipschitzLinear(name: "\(name).projection", inputSize: dimension, outputSize: $0, coefficient: coefficient, random: &random)
    }
    var width = projectionWidth ?? dimension
    var built: [DenseLayer<LipschitzLinear>] = []
    precondition(growth % activation.widthMultiplier == 0, "Growth \(growth) must be divisible by \(activation.widthMultiplier) for \(activation.rawValue)")
    for index in 0..<depth {
      let linear = LipschitzLinear(
        name: "\(name).dense\(index).linear", inputSize: width, outputSize: growth / activation.widthMultiplier, coefficient: coefficient, random: &random)
      built.append(DenseLayer(
        map: linear, activation: Activation(activation, name: "\(name).dense\(index).activation"),
        concatenationCoefficient: concatenationCoefficient, concatenation: concatenation, name: "\(name).dense\(index)"))
      width += growth
    }
    layers = built
    output = LipschitzLinear(name: "\(name).output", inputSize: width, outputSize: dimension, coefficient: coefficient, random: &random)
  }

  public var parameters: [Parameter] { (inputProjection?.parameters ?? []) + layers.flatMap(\.parameters) + output.parameters }

  public var concatenationLayers: [any ConcatenationLayer] { layers }

  public var lipschitzLayers: [any LipschitzLayer] { (inputProjection.map { [$0] } ?? []) + layers.map(\.map) + [output] }

  public func callAsFunction(_ input: Variable) -> Variable {
    var hidden = inputProjection.map { $0(input) } ?? input
    for layer in layers { hidden = layer(hidden) }
    return output(hidden)
  }
}
