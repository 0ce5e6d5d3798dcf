import FlowCore

/// Whether a flow is being trained or evaluated; chooses the log-determinant estimator.
public enum FlowMode: Sendable {
  /// Training: the training estimator, with gradients.
  case training
  /// Evaluation: the evaluation estimator (exact or 20 exact terms), values only.
  case evaluation
}

/// Whether residual blocks estimate their log-determinants in a forward pass.
public enum LogDeterminantNeed: Sendable {
  /// Estimated with the mode's estimator (density and hybrid tasks).
  case estimated
  /// Not computed: residual blocks return 0 and draw nothing from the stream (a classifier, whose
  /// loss does not involve log p(x); residual-flows calls its model without `logpx` then).
  case skipped
}

/// The explicit state a flow needs besides its input: the mode and the random stream for probes
/// and series lengths. Nothing is read from globals.
public struct FlowContext {
  /// Training or evaluation.
  public var mode: FlowMode
  /// The source of Hutchinson probes and Russian-roulette draws.
  public var random: RandomStream
  /// Whether residual blocks estimate log-determinants (they do unless told otherwise).
  public var logDeterminants = LogDeterminantNeed.estimated

  /// Creates a context.
  public init(mode: FlowMode, random: RandomStream) {
    self.mode = mode
    self.random = random
  }
}
