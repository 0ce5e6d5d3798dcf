import FlowCore
import Foundation

/// The Hölder dual maps of power iteration for induced norms ‖W‖_{p→q} (Higham 1992; the
/// reference's `normalize_v` and `normalize_u`, residual-flows `mixed_lipschitz.py`).
///
/// ``direction(of:unitIn:)`` returns the x with ‖x‖_r = 1 that maximises ⟨t, x⟩, so that
/// ⟨t, x⟩ = ‖t‖_{r*} (Hölder's inequality with equality):
/// xᵢ = sign(tᵢ)·|tᵢ|^{1/(r−1)} / ‖|t|^{1/(r−1)}‖_r, the one-hot sign(t_k)·e_k at k = argmax|tᵢ| for
/// r = 1, and sign(t) for r = ∞. Power iteration for ‖W‖_{p→q} alternates
/// u ← direction(of: W v, unitIn: q*) and v ← direction(of: Wᵀu, unitIn: p), and
/// σ = uᵀWv = ‖Wᵀu‖_{p*} ≤ ‖W v‖_q ≤ ‖W‖_{p→q} never overestimates.
public enum HolderDual {
  /// The unit vector in ‖·‖_r most aligned with `tensor` (any shape; a zero tensor stays zero).
  /// r = 2 is exactly the Euclidean normalisation of the spectral-norm layers.
  public static func direction(of tensor: Tensor, unitIn order: NormOrder) -> Tensor {
    if order == .two { return normalized(tensor) }
    let scalars = tensor.scalars
    let largest = scalars.reduce(Float(0)) { max($0, abs($1)) }
    guard largest > 0 else { return tensor }
    if order == .one {
      let index = scalars.indices.max { abs(scalars[$0]) < abs(scalars[$1]) }!
      var oneHot = [Float](repeating: 0, count: scalars.count)
      oneHot[index] = scalars[index] < 0 ? -1 : 1
      return Tensor(shape: tensor.shape, scalars: oneHot)
    }
    if order == .infinity { return Tensor(shape: tensor.shape, scalars: scalars.map { $0 == 0 ? 0 : ($0 < 0 ? -1 : 1) }) }
    let power = 1 / Double(order.exponent - 1)
    let magnitudes = scalars.map { Float(pow(Double(abs($0) / largest), power)) }
    let norm = Float(order.norm(magnitudes))
    return Tensor(shape: tensor.shape, scalars: zip(scalars, magnitudes).map { ($0 < 0 ? -$1 : $1) / norm })
  }

  /// ``direction(of:unitIn:)`` as a graph node, differentiable in `tensor` and in a finite
  /// order r > 1 given as a scalar `order` `[]` (learned orders): with m = |t|/max|t| (max as a
  /// constant; the map is scale invariant), x = sign(t)·m^{1/(r−1)} / (Σ m^{r/(r−1)})^{1/r}.
  public static func direction(of tensor: Variable, unitIn order: Variable) -> Variable {
    let signs = tensor.value.mapScalars { $0 < 0 ? -1 : 1 }
    let largest = max(tensor.value.maximumAbsolute(), Float.leastNormalMagnitude)
    let logMagnitude = (tensor * Variable(signs * (1 / largest)) + Float.leastNormalMagnitude).log()
    let power = Variable(Tensor(1)) / (order - 1)
    let magnitudes = (logMagnitude * power).exp()
    let logNorm = ((logMagnitude * (order * power)).exp().sum().log()) / order
    return magnitudes * Variable(signs) * (-logNorm).exp()
  }
}
