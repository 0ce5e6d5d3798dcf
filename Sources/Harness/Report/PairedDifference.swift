import Foundation

/// The difference between two rows of one column (later row − earlier row: negative means the
/// later row has the lower, better, NLL), paired by seed: each seed's difference is taken between
/// runs with the same seed (the same initialisation stream and training data), and the 95 %
/// interval of the mean difference is a t interval with n − 1 degrees of freedom.
public struct PairedDifference: Equatable, Sendable {
  /// The seeds both rows completed, ascending.
  public let seeds: [UInt64]
  /// The per-seed differences, in the order of ``seeds``.
  public let differences: [Double]
  /// Their mean, standard deviation and interval; nil when no seed is shared.
  public let summary: SampleSummary?
  /// The paper's difference (later − earlier), when it gives both values.
  public let paperDifference: Double?

  /// Pairs `later` and `earlier` (final values by seed) on their common seeds.
  public init(later: [UInt64: Double], earlier: [UInt64: Double], paperLater: Double?, paperEarlier: Double?) {
    seeds = later.keys.filter { earlier[$0] != nil }.sorted()
    differences = seeds.map { later[$0]! - earlier[$0]! }
    summary = SampleSummary(differences)
    paperDifference = paperLater.flatMap { later in paperEarlier.map { later - $0 } }
  }

  /// How our difference relates to the paper's ordering.
  public enum Verdict: Equatable, Sendable {
    /// No seed in common, or no paper values.
    case undetermined
    /// The paper's values are equal (to their two decimals): whether our interval includes 0.
    case paperTie(intervalIncludesZero: Bool?)
    /// Our 95 % interval lies entirely on the paper's side of 0.
    case holds
    /// Our mean is on the paper's side, but the interval includes 0 (or there is a single seed).
    case sameSignUnresolved
    /// Our mean is on the other side, but the interval includes 0 (or there is a single seed).
    case oppositeSignUnresolved
    /// Our 95 % interval lies entirely on the other side of 0.
    case reversed
  }

  /// Paper values closer than this count as equal (they are given to two decimals).
  static let paperTolerance = 0.005

  /// Our difference judged against the paper's ordering.
  public var verdict: Verdict {
    guard let summary, let paper = paperDifference else { return .undetermined }
    let interval = summary.interval95
    if abs(paper) < PairedDifference.paperTolerance { return .paperTie(intervalIncludesZero: interval.map { $0.contains(0) }) }
    let sign: Double = paper < 0 ? -1 : 1
    if let interval {
      if sign * interval.lowerBound > 0 && sign * interval.upperBound > 0 { return .holds }
      if sign * interval.lowerBound < 0 && sign * interval.upperBound < 0 { return .reversed }
    }
    return sign * summary.mean > 0 ? .sameSignUnresolved : .oppositeSignUnresolved
  }

  /// The verdict in words.
  public var verdictText: String {
    let single = summary?.count == 1
    switch verdict {
    case .undetermined: return summary == nil ? "no seed completed in both rows" : "no paper values to compare with"
    case .paperTie(let includesZero):
      guard let includesZero else { return "the paper has them equal; one seed, no interval" }
      return includesZero ? "the paper has them equal; consistent (interval includes 0)" : "the paper has them equal; ours differ (interval excludes 0)"
    case .holds: return "the paper's ordering holds (interval excludes 0)"
    case .reversed: return "reversed: the other ordering (interval excludes 0)"
    case .sameSignUnresolved: return single ? "same ordering as the paper; one seed, no interval" : "same ordering as the paper, not resolved (interval includes 0)"
    case .oppositeSignUnresolved: return single ? "opposite ordering to the paper; one seed, no interval" : "opposite ordering to the paper, not resolved (interval includes 0)"
    }
  }
}
