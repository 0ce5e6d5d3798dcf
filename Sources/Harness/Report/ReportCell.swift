/// One cell of a report: a model (at a sweep point) on a dataset.
public struct ReportCell: Sendable {
  /// The run.
  public var run: String
  /// Its status (nil when the run directory does not exist yet).
  public var status: RunStatus?
  /// The final evaluation, when completed.
  public var evaluation: RunEvaluation?
  /// The manifest, when present.
  public var manifest: RunManifest?
  /// The paper's value.
  public var reference: Double?
  /// Why the run's numbers are not reported (another configuration, an unreadable file), if so.
  public var problem: ReportCellProblem? = nil
  /// The rows of `metrics.csv` that hold a test evaluation, in iteration order (empty when the
  /// run is not reported or has not been evaluated yet).
  public var evaluations: [MetricRow] = []
  /// The run's seed.
  public var seed: UInt64? = nil
  /// The profile whose completed run fills this cell because the report's own profile has no run
  /// of it yet (`lipflow report --fill-from`); nil for the report's own runs.
  public var fillProfile: String? = nil
  /// Why the run of the profile that fills cells (`--fill-from`) does not fill this empty one:
  /// stale, unreadable or not completed, for example `quick profile: not run: CIFAR-10 not found
  /// at …`; nil when there is no such run or it fills the cell.
  public var fillRefusal: String? = nil
  /// The run directory the cell was read from.
  public var directory: String = ""

  /// The evaluation with the lowest finite test NLL (the earliest of equal ones): the "best"
  /// checkpoint a reference implementation would keep, chosen on the test set.
  public var best: MetricRow? {
    evaluations.reduce(nil) { best, row in
      guard let value = row.testNLL, value.isFinite else { return best }
      guard let current = best?.testNLL else { return row }
      return value < current ? row : best
    }
  }

  /// Whether the run's own files are shown and copied: it has a manifest and no problem.
  public var isReported: Bool { manifest != nil && problem == nil }
}

/// Why a cell does not show its run's numbers.
public enum ReportCellProblem: Sendable, Equatable {
  /// The run directory holds a run of another configuration: its manifest's spec hash is not
  /// the hash of the resolved spec being reported.
  case stale(recordedHash: String, currentHash: String)
  /// A file of the run could not be read (`unreadable manifest (…)`).
  case unreadable(String)

  /// The cell's text.
  public var text: String {
    switch self {
    case .stale(let recorded, let current): return "stale: trained with another configuration (spec hash \(recorded), now \(current))"
    case .unreadable(let reason): return "error: \(reason)"
    }
  }

  /// The status in the CSV and the runs table.
  public var status: String {
    switch self {
    case .stale: return "stale"
    case .unreadable: return "error"
    }
  }
}
