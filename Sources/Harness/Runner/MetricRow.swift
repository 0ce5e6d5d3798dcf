import Foundation

/// One line of `metrics.csv`.
public struct MetricRow: Equatable, Sendable {
  /// Iterations completed.
  public var iteration: Int
  /// Mean training loss (−log-likelihood per sample, estimated; for a classifying model its
  /// ``TaskObjective`` loss) since the previous row.
  public var loss: Double
  /// Test NLL when evaluated at this iteration.
  public var testNLL: Double?
  /// Its standard error.
  public var testStandardError: Double?
  /// Training seconds so far (all sessions).
  public var seconds: Double
  /// Test accuracy (a fraction) when a classifying model was evaluated at this iteration.
  public var testAccuracy: Double? = nil

  /// Which columns a `metrics.csv` has.
  public enum Columns: Sendable {
    /// The five of every run.
    case density
    /// Those and `test_accuracy` (task classification or hybrid).
    case withAccuracy
  }

  /// The CSV header.
  public static let header = "iteration,loss,test_nll,test_nll_se,seconds"
  /// The CSV header of a classifying model's metrics.
  public static let accuracyHeader = header + ",test_accuracy"

  /// The CSV line (17 significant digits, so the numbers round-trip).
  public var line: String {
    "\(iteration),\(MetricRow.format(loss)),\(MetricRow.format(testNLL)),\(MetricRow.format(testStandardError)),\(String(format: "%.3f", seconds))"
  }

  /// The CSV line with `columns`.
  public func line(_ columns: Columns) -> String {
    columns == .density ? line : line + "," + MetricRow.format(testAccuracy)
  }

  static func format(_ value: Double?) -> String { value.map { String(format: "%.17g", $0) } ?? "" }

  /// Parses a CSV line; nil for a malformed (for example half-written) line.
  public init?(line: String) {
    let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard fields.count == 5 || fields.count == 6, let iteration = Int(fields[0]), let loss = Double(fields[1]), let seconds = Double(fields[4]) else {
      return nil
    }
    self.init(iteration: iteration, loss: loss, testNLL: Double(fields[2]), testStandardError: Double(fields[3]), seconds: seconds)
    testAccuracy = fields.count == 6 ? Double(fields[5]) : nil
  }

  /// Creates a row.
  public init(iteration: Int, loss: Double, testNLL: Double?, testStandardError: Double?, seconds: Double) {
    self.iteration = iteration
    self.loss = loss
    self.testNLL = testNLL
    self.testStandardError = testStandardError
    self.seconds = seconds
  }

  /// Reads `metrics.csv`, keeping well-formed rows.
  public static func read(path: String) -> [MetricRow] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").dropFirst().compactMap { MetricRow(line: String($0)) }
  }

  /// Writes `metrics.csv` atomically, with `columns`.
  public static func write(_ rows: [MetricRow], path: String, columns: Columns = .density) throws {
    let first = columns == .density ? header : accuracyHeader
    try AtomicFile.write(([first] + rows.map { $0.line(columns) }).joined(separator: "\n") + "\n", to: path)
  }
}
