/// The learning rate as a function of the 0-based iteration.
public enum LearningRateSchedule: Sendable, Equatable {
  /// The same rate at every iteration.
  case constant(Float)
  /// Linear warmup: rate · min((iteration + 1) / warmupIterations, 1), as in residual-flows'
  /// `train_img.py` (1000 warmup iterations for images).
  case linearWarmup(Float, warmupIterations: Int)

  /// The rate at `iteration` (0-based).
  public func learningRate(at iteration: Int) -> Float {
    switch self {
    case .constant(let rate):
      return rate
    case .linearWarmup(let rate, let warmupIterations):
      precondition(warmupIterations > 0, "Warmup iterations must be positive, got \(warmupIterations)")
      return rate * min(Float(iteration + 1) / Float(warmupIterations), 1)
    }
  }
}
