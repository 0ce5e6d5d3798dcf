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
