import Foundation

/// A test negative log-likelihood with its Monte-Carlo standard error, in nats (toy) or bits/dim (images).
public struct NegativeLogLikelihood: Sendable, Equatable, CustomStringConvertible {
  /// The mean over the test samples.
  public var mean: Double
  /// The standard error of that mean.
  public var standardError: Double
  /// The number of test samples.
  public var samples: Int
  /// `nats` or `bits/dim`.
  public var unit: String = "nats"

  /// `3.4412 ± 0.0125 nats (n = 10000)`.
  public var description: String {
    String(format: "%.4f ± %.4f ", mean, standardError) + "\(unit) (n = \(samples))"
  }
}

extension NegativeLogLikelihood {
  /// Per-sample values (nats or bits/dim) summed as they come, turned into their mean and the
  /// standard error of that mean, √(s²/n) with the sample variance s² (divisor n − 1). The one
  /// place the test protocols of both data kinds compute mean ± s.e.
  struct Accumulator {
    private var sum = 0.0
    private var sumOfSquares = 0.0
    private var count = 0

    /// Adds one sample's value.
    mutating func add(_ value: Double) {
      sum += value
      sumOfSquares += value * value
      count += 1
    }

    /// The mean ± standard error of the values added (at least one).
    func result(unit: String) -> NegativeLogLikelihood {
      let samples = Double(count)
      let mean = sum / samples
      let variance = max(sumOfSquares / samples - mean * mean, 0) * samples / Double(max(count - 1, 1))
      return NegativeLogLikelihood(mean: mean, standardError: (variance / samples).squareRoot(), samples: count, unit: unit)
    }
  }
}
