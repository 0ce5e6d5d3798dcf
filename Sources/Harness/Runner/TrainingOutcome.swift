/// How a session ended.
public enum TrainingOutcome: Equatable, Sendable {
  /// Finished now, or already finished before (nothing was redone).
  case completed(RunEvaluation)
  /// Stopped on request after saving a checkpoint at this iteration.
  case interrupted(iteration: Int)
  /// Failed, with the reason (also recorded in the manifest).
  case failed(String)
  /// Not trainable by this version, with the reason.
  case notRun(String)
  /// Not touched: another process owns the run directory (see ``RunLock``).
  case busy(RunLock.Holder)
}
