import Foundation

/// One line of `metrics.csv`.
public struct MetricRow: Equatable, Sendable {
  /// Iterations completed.
  public var iteration: Int
  /// Mean training loss (−log-likelihood per sample, estimated) since the previous row.
  public var loss: Double
  /// Test NLL when evaluated at this iteration.
  public var testNLL: Double?
  /// Its standard error.
  public var testStandardError: Double?
  /// Training seconds so far (all sessions).
  public var seconds: Double

  /// The CSV header.
  public static let header = "iteration,loss,test_nll,test_nll_se,seconds"

  /// The CSV line (17 significant digits, so the numbers round-trip).
  public var line: String {
    func format(_ value: Double?) -> String { value.map { String(format: "%.17g", $0) } ?? "" }
    return "\(iteration),\(format(loss)),\(format(testNLL)),\(format(testStandardError)),\(String(format: "%.3f", seconds))"
  }

  /// Parses a CSV line; nil for a malformed (for example half-written) line.
  public init?(line: String) {
    let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard fields.count == 5, let iteration = Int(fields[0]), let loss = Double(fields[1]), let seconds = Double(fields[4]) else { return nil }
    self.init(iteration: iteration, loss: loss, testNLL: Double(fields[2]), testStandardError: Double(fields[3]), seconds: seconds)
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

  /// Writes `metrics.csv` atomically.
  public static func write(_ rows: [MetricRow], path: String) throws {
    try AtomicFile.write(([header] + rows.map(\.line)).joined(separator: "\n") + "\n", to: path)
  }
}
