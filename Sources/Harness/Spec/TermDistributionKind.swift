/// The distribution of the number of series terms of the Russian-roulette estimator.
public enum TermDistributionKind: String, CaseIterable, Sendable {
  /// Geometric with success probability `parameter` (toy reference: 0.5).
  case geometric
  /// Poisson with rate `parameter` (image reference: 2).
  case poisson
}
