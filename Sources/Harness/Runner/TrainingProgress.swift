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
  public var testAccuracy: Double?

  /// Creates a report.
  public init(
    run: String, iteration: Int, iterations: Int, loss: Double, iterationsPerSecond: Double, testNLL: Double? = nil, testAccuracy: Double? = nil
  ) {
    (self.run, self.iteration, self.iterations, self.loss) = (run, iteration, iterations, loss)
    (self.iterationsPerSecond, self.testNLL, self.testAccuracy) = (iterationsPerSecond, testNLL, testAccuracy)
  }

  /// `[position] run it i/n loss L r it/s ETA t test NLL v accuracy a %`; the rate and ETA only once the
  /// session has a rate (a resumed run reports its checkpoint's row before its first step).
  public func line(position: String) -> String {
    var text = String(format: "[%@] %@ it %d/%d loss %.4f", position, run, iteration, iterations, loss)
    if iterationsPerSecond > 0 {
      let remaining = Double(iterations - iteration) / iterationsPerSecond
      text += String(format: " %.1f it/s ETA %@", iterationsPerSecond, TableReport.duration(remaining))
    }
    if let testNLL { text += String(format: " test NLL %.4f", testNLL) }
    if let testAccuracy { text += String(format: " accuracy %.2f %%", 100 * testAccuracy) }
    return text
  }
}
