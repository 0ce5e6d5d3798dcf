import FlowCore

/// Whether a flow is being trained or evaluated; chooses the log-determinant estimator.
public enum FlowMode: Sendable {
  /// Training: the training estimator, with gradients.
  case training
  /// Evaluation: the evaluation estimator (exact or 20 exact terms), values only.
  case evaluation
}

/// The explicit state a flow needs besides its input: the mode and the random stream for probes
/// and series lengths. Nothing is read from globals.
public struct FlowContext {
  /// Training or evaluation.
  public var mode: FlowMode
  /// The source of Hutchinson probes and Russian-roulette draws.
  public var random: RandomStream

  /// Creates a context.
  public init(mode: FlowMode, random: RandomStream) {
    self.mode = mode
    self.random = random
  }
}

/// The result of a flow's forward pass: y = f(x) and log|det ∂f/∂x| per sample, `[batch]`.
public struct FlowOutput {
  /// f(x), same leading (batch) axis as x.
  public var value: Variable
  /// log|det ∂f/∂x| for each sample, `[batch]`.
  public var logDeterminant: Variable
}

/// A recoverable failure of a flow.
public enum FlowError: Error, CustomStringConvertible, Equatable {
  /// The fixed-point inverse of a residual block did not reach its tolerance.
  case inverseDidNotConverge(block: String, iterations: Int, residual: Float)

  /// One line naming the block, the iterations and the residual.
  public var description: String {
    switch self {
    case .inverseDidNotConverge(let block, let iterations, let residual):
      return "inverse of \(block) did not converge in \(iterations) iterations (max |x + g(x) − y| = \(residual))"
    }
  }
}

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
