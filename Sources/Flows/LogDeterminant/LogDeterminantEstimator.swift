import FlowCore
import Foundation

/// How a residual block estimates log det(I + J_g) (i-ResNet eq. 6 and the Residual Flows estimator; README.md, 'Flows').
public enum LogDeterminantEstimator: Sendable, Equatable {
  /// The exact 2×2 determinant from the Jacobian of g (2-D data only; the toy evaluation path).
  case exactTwoByTwo
  /// The exact log-determinant of the full Jacobian, by d vector-Jacobian products and an LU
  /// factorisation per sample (small d, values only: no gradient).
  case exactJacobian
  /// The first `terms` terms of Σ (−1)^{k+1}/k · vᵀJᵏv with one Gaussian probe (i-ResNet; biased).
  case powerSeries(terms: Int)
  /// The unbiased Russian-roulette series (Chen et al. 2019, Eq. 6): `exactTerms` terms plus N
  /// more, N drawn `samples` times, term k weighted by the fraction of draws with
  /// N ≥ k − exactTerms over P(N ≥ k − exactTerms).
  case russianRoulette(TermDistribution, exactTerms: Int, samples: Int)

  /// The series weights c(1…K) for one draw of the series length (all 1 for a power series).
  func seriesWeights(_ random: inout RandomStream) -> [Double] {
    switch self {
    case .exactTwoByTwo, .exactJacobian:
      return []
    case .powerSeries(let terms):
      return [Double](repeating: 1, count: terms)
    case .russianRoulette(let distribution, let exactTerms, let samples):
      let draws = (0..<max(samples, 1)).map { _ in distribution.sample(&random) }
      let count = (draws.max() ?? 0) + exactTerms
      return (1..<(count + 1)).map { k in
        if k <= exactTerms { return 1 }
        let j = k - exactTerms
        let fraction = Double(draws.filter { $0 >= j }.count) / Double(draws.count)
        return fraction / distribution.survival(j)
      }
    }
  }
}

extension LogDeterminantEstimator {
  /// Whether the estimate is a (power or Russian-roulette) series of vector-Jacobian products.
  var isSeries: Bool {
    switch self {
    case .powerSeries, .russianRoulette: return true
    case .exactTwoByTwo, .exactJacobian: return false
    }
  }
}
