/// What the outcomes of a `run` command amount to: success, or the one failure to report.
public struct RunConclusion: Sendable {
  /// Each run's outcome, by identifier.
  public var outcomes: [String: RunOutcome]
  /// The runs that were to be trained.
  public var pending: [String]
  /// Whether SIGINT/SIGTERM arrived.
  public var interruptionRequested: Bool
  /// Whether `--only` chose the runs (then a run that could not run is a failure).
  public var isPartial: Bool

  /// Creates the conclusion.
  public init(outcomes: [String: RunOutcome], pending: [String], interruptionRequested: Bool, isPartial: Bool) {
    self.outcomes = outcomes
    self.pending = pending
    self.interruptionRequested = interruptionRequested
    self.isPartial = isPartial
  }

  /// Interrupted only when a run was actually left unfinished by the stop (a stop that arrives
  /// after every run completed changes nothing); then failed runs; then requested runs that could
  /// not run for missing data.
  public var failure: CommandFailure? {
    let unfinished = pending.filter { outcomes[$0] == nil || outcomes[$0] == .interrupted }
    if interruptionRequested && !unfinished.isEmpty { return .interrupted }
    let failed = outcomes.filter { outcome in
      switch outcome.value {
      case .failed, .error: return true
      default: return false
      }
    }.keys.sorted()
    if !failed.isEmpty { return .runsFailed(failed) }
    let notRun = outcomes.filter { if case .notRun = $0.value { return true } else { return false } }.keys.sorted()
    if isPartial && !notRun.isEmpty { return .runsNotRun(notRun) }
    return nil
  }
}
