import FlowCore

/// The elementwise activations of the residual branches.
public enum ActivationKind: String, Sendable, CaseIterable {
  /// x·σ(βx)/1.1 with learnable β (Chen et al. 2019, §4).
  case lipSwish = "lipswish"
  /// CLipSwish(x) = [LipSwish(x), LipSwish(−x)] / 1.004 (Perugachi-Diaz et al. 2021): doubles
  /// the width; 1-Lipschitz because f′(x) + f′(−x) = 1 for raw swish.
  case concatenatedLipSwish = "clipswish"
  /// ELU, 1-Lipschitz with no parameters.
  case elu

  /// Output width over input width (2 for CLipSwish).
  public var widthMultiplier: Int { self == .concatenatedLipSwish ? 2 : 1 }
}

/// An activation layer: LipSwish and CLipSwish own a raw slope β̃ (β = softplus(β̃), β̃
/// initialised at 0.5).
public final class Activation {
  /// Which function.
  public let kind: ActivationKind
  /// β̃ for LipSwish, nil otherwise.
  public let rawSlope: Parameter?

  /// Creates the activation with the reference initialisation.
  public init(_ kind: ActivationKind, name: String) {
    self.kind = kind
    switch kind {
    case .lipSwish, .concatenatedLipSwish: rawSlope = Parameter(name: name + ".rawSlope", value: Tensor(LipSwish.initialRawSlope))
    case .elu: rawSlope = nil
    }
  }

  /// β̃ when present.
  public var parameters: [Parameter] { rawSlope.map { [$0] } ?? [] }

  /// Applies the function elementwise.
  public func callAsFunction(_ input: Variable) -> Variable {
    switch kind {
    case .lipSwish:
      return input.lipSwish(rawSlope: rawSlope!.variable)
    case .concatenatedLipSwish:
      let doubled = Variable.concatenatingLastAxis([input, input], scaledBy: Variable(Tensor(shape: [2], scalars: [1, -1])))
      return Variable.swish(order: 0, doubled, slope: rawSlope!.variable.softplus(), scale: LipSwish.scale / 1.004)
    case .elu:
      return input.elu()
    }
  }
}

extension Variable {
  /// ELU(x) = x for x > 0, eˣ − 1 otherwise; composed from differentiable operations
  /// (max(x, 0) + exp(min(x, 0)) − 1), so every order of derivative is available.
  public func elu() -> Variable {
    let mask = Variable(value.mapVectors { Vector8(repeating: 0).replacing(with: 1, where: $0 .> 0) })
    // x·m + (exp(x·(1−m)) − 1)·(1−m) has the right value and derivatives of every order
    // away from 0, with m = 1[x > 0] a constant.
    let negativePart = self * (1 - mask)
    return self * mask + (negativePart.exp() - 1) * (1 - mask)
  }
}
