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
  /// The function with the parameters it owns.
  enum Function {
    /// LipSwish with its raw slope β̃, `[]`.
    case lipSwish(rawSlope: Parameter)
    /// CLipSwish with its raw slope β̃, `[]`.
    case concatenatedLipSwish(rawSlope: Parameter)
    /// ELU.
    case elu
  }

  /// The function and its parameters.
  let function: Function

  /// Creates the activation with the reference initialisation.
  public init(_ kind: ActivationKind, name: String) {
    switch kind {
    case .lipSwish: function = .lipSwish(rawSlope: Parameter(name: name + ".rawSlope", value: Tensor(LipSwish.initialRawSlope)))
    case .concatenatedLipSwish:
      function = .concatenatedLipSwish(rawSlope: Parameter(name: name + ".rawSlope", value: Tensor(LipSwish.initialRawSlope)))
    case .elu: function = .elu
    }
  }

  /// Which function.
  public var kind: ActivationKind {
    switch function {
    case .lipSwish: return .lipSwish
    case .concatenatedLipSwish: return .concatenatedLipSwish
    case .elu: return .elu
    }
  }

  /// β̃ for LipSwish and CLipSwish, nil for ELU.
  public var rawSlope: Parameter? {
    switch function {
    case .lipSwish(let rawSlope), .concatenatedLipSwish(let rawSlope): return rawSlope
    case .elu: return nil
    }
  }

  /// β̃ when present.
  public var parameters: [Parameter] { rawSlope.map { [$0] } ?? [] }

  /// Applies the function elementwise: `[..., c] → [..., c]` (CLipSwish: `[..., 2c]`).
  public func callAsFunction(_ input: Variable) -> Variable {
    switch function {
    case .lipSwish(let rawSlope):
      return input.lipSwish(rawSlope: rawSlope.variable)
    case .concatenatedLipSwish(let rawSlope):
      let doubled = Variable.concatenatingLastAxis([input, input], scaledBy: Variable(Tensor(shape: [2], scalars: [1, -1])))
      return Variable.swish(order: 0, doubled, slope: rawSlope.variable.softplus(), scale: LipSwish.scale / 1.004)
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
