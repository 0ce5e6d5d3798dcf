import FlowCore
import Foundation

/// A learnable norm order p = squash(θ) ∈ (1, 5) with one scalar parameter θ `[]`, initialised at 0
/// (p = 2). The squashing is the reference's `asym_squash` (residual-flows `mixed_lipschitz.py`):
/// squash(θ) = 2·tanh(−e(−θ + artanh(½))) + 3 with the leaky ELU e(x) = 0.3·x + 0.7·ELU(x), so
/// squash(0) = 2 (tanh(−artanh ½) = −½) and squash(θ) → 1 as θ → −∞ and → 5 as θ → +∞.
///
/// θ is trained by the optimizer like every other parameter; its gradient comes only from the
/// norm-order loss of ``LipschitzConstrained/normOrderLoss()`` (the weight's normalisation uses
/// stored power-iteration vectors, constants in θ, as the reference).
public final class LearnedNormOrder {
  /// θ, `[]`, named `<name>`.
  public let parameter: Parameter

  /// artanh(½) = 0.5493…, the shift that makes squash(0) = 2.
  static let shift = Float(atanh(0.5))
  /// The slope of the leaky ELU's linear part.
  static let leak: Float = 0.3

  /// Creates θ = 0 (p = 2) under `name` (for example `block3.order1`).
  public init(name: String) {
    parameter = Parameter(name: name, value: Tensor(0))
  }

  /// The current order squash(θ).
  public var order: NormOrder { NormOrder(exponent: Self.squash(parameter.value.scalar)) }

  /// squash(θ) as a graph node on θ's variable.
  public var orderVariable: Variable { Self.squash(parameter.variable) }

  /// squash(θ) for one number.
  public static func squash(_ theta: Float) -> Float {
    let x = shift - theta
    let leakyELU = leak * x + (1 - leak) * (x > 0 ? x : Foundation.exp(x) - 1)
    return 2 * Foundation.tanh(-leakyELU) + 3
  }

  /// squash(θ) elementwise as a graph node (tanh(y) = 2σ(2y) − 1).
  public static func squash(_ theta: Variable) -> Variable {
    let x = shift - theta
    let leakyELU = leak * x + (1 - leak) * x.elu()
    let tanh = 2 * (-2 * leakyELU).sigmoid() - 1
    return 2 * tanh + 3
  }
}
