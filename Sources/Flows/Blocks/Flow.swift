import FlowCore

/// An invertible map with a tractable log-determinant.
///
/// Sign convention (one for the whole package): `forward` returns z = f(x) and
/// log|det ∂f/∂x|, so log p_X(x) = log p_Z(f(x)) + logDeterminant.
public protocol Flow: AnyObject, LipschitzConstrained, ConcatenationWeighted {
  /// A name for diagnostics (`block3`).
  var name: String { get }
  /// z = f(x) and log|det ∂f/∂x| per sample.
  func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput
  /// x = f⁻¹(z).
  /// - Throws: ``FlowError/inverseDidNotConverge(block:iterations:residual:)``.
  func inverse(_ output: Tensor) throws -> Tensor
  /// The trainable parameters, in a fixed order.
  var parameters: [Parameter] { get }
}

/// Σ over all axes but the first: `[batch, ...] → [batch]`.
func sumPerSample(_ variable: Variable) -> Variable {
  let batch = variable.shape[0]
  return variable.reshaped([batch, variable.value.count / max(batch, 1)]).sum(alongAxis: 1)
}
