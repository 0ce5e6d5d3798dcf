import FlowCore

/// The network g of a residual block F(x) = x + g(x); every layer is Lipschitz-constrained so
/// that Lip(g) < 1. Maps `[..., d] → [..., d]`.
public protocol ResidualBranch: AnyObject, LipschitzConstrained {
  /// g(x).
  func callAsFunction(_ input: Variable) -> Variable
  /// The trainable parameters, in a fixed order.
  var parameters: [Parameter] { get }
  /// Resets learnable concatenation weights while `iteration` is before their start.
  func applyConcatenationSchedule(afterIteration iteration: Int)
}

extension ResidualBranch {
  /// Branches without learnable concatenation have no schedule.
  public func applyConcatenationSchedule(afterIteration iteration: Int) {}
}

/// How the last layer of a perceptron branch is initialised.
public enum LastLayerInitialization: Sendable {
  /// Like every other layer.
  case standard
  /// Divided by 1000, so that the block starts near the identity (toy Residual Flow reference).
  case nearZero
}

/// The toy Residual Flow branch (residual-flows `train_toy.py: build_nnet`):
/// g = L_n ∘ act ∘ … ∘ L₁ ∘ act, i.e. an activation *before* every Lipschitz linear layer,
/// with the last layer initialised near zero so that each block starts near the identity.
public final class LipschitzPerceptron: ResidualBranch {
  /// The layers, input side first.
  public let layers: [LipschitzLinear]
  /// One activation before each layer.
  public let activations: [Activation]

  /// Widths `[d, h₁, …, d]`, e.g. `[2, 128, 128, 128, 128, 2]`.
  public init(
    name: String, widths: [Int], activation: ActivationKind, coefficient: Float,
    lastLayer: LastLayerInitialization = .nearZero, random: inout RandomStream
  ) {
    precondition(widths.count >= 2, "A perceptron needs at least an input and an output width")
    let pairs = Array(zip(widths.dropLast(), widths.dropFirst()))
    layers = pairs.enumerated().map { index, pair in
      LipschitzLinear(
        name: "\(name).linear\(index)", inputSize: pair.0 * activation.widthMultiplier, outputSize: pair.1, coefficient: coefficient,
        nearZero: lastLayer == .nearZero && index == pairs.count - 1, random: &random)
    }
    activations = pairs.indices.map { Activation(activation, name: "\(name).activation\($0)") }
  }

  public var parameters: [Parameter] {
    zip(activations, layers).flatMap { $0.parameters + $1.parameters }
  }

  public var lipschitzLayers: [any LipschitzLayer] { layers }

  public func callAsFunction(_ input: Variable) -> Variable {
    var hidden = input
    for (activation, layer) in zip(activations, layers) { hidden = layer(activation(hidden)) }
    return hidden
  }
}
