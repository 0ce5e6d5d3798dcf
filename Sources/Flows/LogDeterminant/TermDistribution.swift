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
