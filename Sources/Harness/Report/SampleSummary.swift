import Foundation

/// The mean and spread of a few numbers (one per seed), with the 95 % t interval of their mean.
public struct SampleSummary: Equatable, Sendable {
  /// How many numbers.
  public let count: Int
  /// Their mean.
  public let mean: Double
  /// Their sample standard deviation (divisor n − 1); nil for a single number.
  public let standardDeviation: Double?

  /// Summarises `values`; nil when there are none.
  public init?(_ values: [Double]) {
    guard !values.isEmpty else { return nil }
    count = values.count
    mean = values.reduce(0, +) / Double(values.count)
    if values.count > 1 {
      let mean = self.mean
      let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
      standardDeviation = (squares / Double(values.count - 1)).squareRoot()
    } else {
      standardDeviation = nil
    }
  }

  /// The half-width of the 95 % interval of the mean, t₀.₉₇₅(n − 1) · sd / √n; nil for one number.
  public var halfWidth95: Double? {
    standardDeviation.map { StudentT.quantile975(degreesOfFreedom: count - 1) * $0 / Double(count).squareRoot() }
  }

  /// The 95 % interval of the mean; nil for one number.
  public var interval95: ClosedRange<Double>? {
    halfWidth95.map { (mean - $0)...(mean + $0) }
  }
}
