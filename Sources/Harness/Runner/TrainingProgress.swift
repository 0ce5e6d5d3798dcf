/// What a training session reports while it runs.
public struct TrainingProgress: Sendable {
  /// The run.
  public var run: String
  /// Iterations completed and asked for.
  public var iteration: Int
  public var iterations: Int
  /// The mean loss of the last logging window.
  public var loss: Double
  /// Iterations per second in this session.
  public var iterationsPerSecond: Double
  /// A test NLL evaluated at this iteration.
  public var testNLL: Double?
  /// The test accuracy evaluated with it (classifying models).
  public var testAccuracy: Double? = nil
}
