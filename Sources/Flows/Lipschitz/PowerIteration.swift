import FlowCore

/// How power iteration refines the estimate of a weight's spectral norm.
public enum PowerIteration: Sendable, Equatable {
  /// Exactly this many iterations (toy reference: 5 after each optimizer step, 200 before
  /// evaluation and at construction).
  case iterations(Int)
  /// Iterate until both vectors change by less than `absolute + relative·max|·|` per element
  /// (root-mean-square), at most `maximumIterations` times (image reference: 1e-3, 1e-3, 200).
  case tolerance(absolute: Float, relative: Float, maximumIterations: Int)
}

extension PowerIteration {
  /// Runs power iteration from (u, v) according to the schedule; `step` maps (u, v) to the next
  /// pair. With a tolerance, stops once both vectors change by less than it.
  func run(from start: (Tensor, Tensor), step: (Tensor, Tensor) -> (Tensor, Tensor)) -> (Tensor, Tensor) {
    var (u, v) = start
    switch self {
    case .iterations(let count):
      for _ in 0..<count { (u, v) = step(u, v) }
    case .tolerance(let absolute, let relative, let maximum):
      for _ in 0..<maximum {
        let (oldU, oldV) = (u, v)
        (u, v) = step(u, v)
        if converged(u, oldU, absolute: absolute, relative: relative) && converged(v, oldV, absolute: absolute, relative: relative) { break }
      }
    }
    return (u, v)
  }
}
