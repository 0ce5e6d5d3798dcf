import FlowCore

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
