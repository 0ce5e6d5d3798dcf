import FlowCore
import Foundation

/// The distribution of the number of extra series terms in the Russian-roulette estimator.
public enum TermDistribution: Sendable, Equatable {
  /// Geometric with success probability p, support {1, 2, …} (reference default p = 0.5).
  case geometric(Double)
  /// Poisson with rate λ, support {0, 1, …} (image reference λ = 2).
  case poisson(Double)

  /// One draw.
  public func sample(_ random: inout RandomStream) -> Int {
    switch self {
    case .geometric(let probability): return random.nextGeometric(probability)
    case .poisson(let rate): return random.nextPoisson(rate)
    }
  }

  /// P(N ≥ j).
  public func survival(_ j: Int) -> Double {
    switch self {
    case .geometric(let probability):
      return Foundation.pow(1 - probability, Double(max(j - 1, 0)))
    case .poisson(let rate):
      if j <= 0 { return 1 }
      var term = Foundation.exp(-rate)
      var cumulative = term
      for i in 1..<j {
        term *= rate / Double(i)
        cumulative += term
      }
      return max(1 - cumulative, 0)
    }
  }
}

/// How a residual block estimates log det(I + J_g) (design.md §3).
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

/// How the gradient of the log-determinant estimate is obtained.
public enum LogDeterminantGradient: Sendable, Equatable {
  /// Backpropagate through every vector-Jacobian product of the series (memory grows with the
  /// number of terms; the toy reference default).
  case backpropagation
  /// The Neumann gradient series (Chen et al. 2019, Eq. 8): the series runs without a graph and
  /// one differentiable vector-Jacobian product carries the gradient (constant memory in the
  /// number of terms; the image reference default). The returned value is still the estimate.
  case neumannSeries
}
