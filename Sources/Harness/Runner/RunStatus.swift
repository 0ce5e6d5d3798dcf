/// Where a run stands.
public enum RunStatus: String, Codable, Sendable {
  /// Training (or killed while training: a rerun resumes it).
  case running
  /// Finished; `eval.json` holds its numbers.
  case completed
  /// Stopped by SIGINT/SIGTERM after saving a checkpoint; a rerun resumes it.
  case interrupted
  /// Failed (non-finite loss, inverse not converging, ...); `error` says why. A rerun retries it.
  case failed
  /// Not trainable by this version (see `error`).
  case notRun = "not-run"
}
