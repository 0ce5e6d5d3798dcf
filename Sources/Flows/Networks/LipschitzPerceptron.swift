import FlowCore

/// The toy Residual Flow branch (residual-flows `train_toy.py: build_nnet`):
/// g = L_n ∘ act ∘ … ∘ L₁ ∘ act, i.e. an activation *before* every Lipschitz linear layer,
/// with the last layer initialised near zero so that each block starts near the identity.
public final class LipschitzPerceptron: ResidualBranch {
  /// The layers, input side first.
  public let layers: [LipschitzLinear]
  /// One activation before each layer.
  public let activations: [Activation]
  /// The learned norm orders the layers share (`<name>.order<i>`), empty unless learned.
  public let learnedOrders: [LearnedNormOrder]

  /// Widths `[d, h₁, …, d]`, e.g. `[2, 128, 128, 128, 128, 2]`; `norms` gives layer i its domain
  /// and codomain (``BranchNorms``; the spectral norm by default).
  public init(
    name: String, widths: [Int], activation: ActivationKind, coefficient: Float,
    lastLayer: LastLayerInitialization = .nearZero, norms: BranchNorms = .spectral, random: inout RandomStream
  ) {
    precondition(widths.count >= 2, "A perceptron needs at least an input and an output width")
    let pairs = Array(zip(widths.dropLast(), widths.dropFirst()))
    let (layerNorms, learnedOrders) = norms.layerNorms(layers: pairs.count, name: name)
    layers = pairs.enumerated().map { index, pair in
      LipschitzLinear(
        name: "\(name).linear\(index)", inputSize: pair.0 * activation.widthMultiplier, outputSize: pair.1, coefficient: coefficient,
        initialization: index == pairs.count - 1 ? lastLayer : .standard, norm: layerNorms[index], random: &random)
    }
    activations = pairs.indices.map { Activation(activation, name: "\(name).activation\($0)") }
    self.learnedOrders = learnedOrders
  }

  public var parameters: [Parameter] {
    zip(activations, layers).flatMap { $0.parameters + $1.parameters } + learnedOrders.map(\.parameter)
  }

  public var lipschitzLayers: [any LipschitzLayer] { layers }
  public var concatenationLayers: [any ConcatenationLayer] { [] }

  public func callAsFunction(_ input: Variable) -> Variable {
    var hidden = input
    for (activation, layer) in zip(activations, layers) { hidden = layer(activation(hidden)) }
    return hidden
  }
}
