/// A run's `manifest.json` while a process works on the run: each change of where the run stands
/// is recorded and written at once, and the matching ``TrainingOutcome`` returned.
struct RunManifestWriter {
  /// The manifest as last written.
  private(set) var manifest: RunManifest
  /// The run directory.
  let directory: String

  /// Starts from `manifest` (not written yet).
  init(_ manifest: RunManifest, directory: String) {
    self.manifest = manifest
    self.directory = directory
  }

  /// The run is training.
  mutating func running() throws {
    manifest.status = .running
    manifest.error = nil
    try manifest.write(directory: directory)
  }

  /// The session's training starts at `iteration`: the newest readable checkpoint's (an older
  /// one than the manifest last named when the newest file was torn), 0 without one.
  mutating func sessionStarts(at iteration: Int) throws {
    updateLatestSession { session in
      session.fromIteration = iteration
      session.toIteration = iteration
    }
    try manifest.write(directory: directory)
  }

  /// A checkpoint after `iteration` was saved, `seconds` into the run.
  mutating func checkpointed(at iteration: Int, seconds: Double) throws {
    manifest.iterationsCompleted = iteration
    manifest.wallSeconds = seconds
    updateSession()
    try manifest.write(directory: directory)
  }

  /// A stop on request (the newest checkpoint holds the state to resume from).
  mutating func interrupted(at iteration: Int) throws -> TrainingOutcome {
    manifest.status = .interrupted
    manifest.ended = Provenance.now
    endSession()
    try manifest.write(directory: directory)
    return .interrupted(iteration: iteration)
  }

  /// A failure for `reason`, `seconds` into the run.
  mutating func failed(_ reason: String, seconds: Double) throws -> TrainingOutcome {
    manifest.status = .failed
    manifest.error = reason
    manifest.ended = Provenance.now
    manifest.wallSeconds = seconds
    endSession()
    try manifest.write(directory: directory)
    return .failed(reason)
  }

  /// A run this version cannot train, for `reason`.
  mutating func notRun(_ reason: String) throws -> TrainingOutcome {
    manifest.status = .notRun
    manifest.error = reason
    manifest.ended = Provenance.now
    endSession()
    try manifest.write(directory: directory)
    return .notRun(reason)
  }

  /// The end of the run after `iterations`, `seconds` into it, with notes on what was not drawn.
  mutating func completed(_ evaluation: RunEvaluation, iterations: Int, seconds: Double, notes: [String]) throws -> TrainingOutcome {
    manifest.status = .completed
    manifest.error = notes.isEmpty ? nil : notes.joined(separator: "; ")
    manifest.ended = Provenance.now
    manifest.iterationsCompleted = iterations
    manifest.wallSeconds = seconds
    endSession()
    try manifest.write(directory: directory)
    return .completed(evaluation)
  }

  /// Changes the session this process appended (the last of ``RunManifest/sessionHistory``).
  private mutating func updateLatestSession(_ change: (inout RunSession) -> Void) {
    guard var history = manifest.sessionHistory, !history.isEmpty else { return }
    change(&history[history.count - 1])
    manifest.sessionHistory = history
  }

  /// Brings this process's session up to date with the iterations kept so far.
  private mutating func updateSession() {
    let kept = manifest.iterationsCompleted
    updateLatestSession { $0.toIteration = kept }
  }

  /// Closes this process's session: the iterations kept, the end time and where the run stands.
  private mutating func endSession() {
    let (kept, ended, status) = (manifest.iterationsCompleted, manifest.ended, manifest.status)
    updateLatestSession { session in
      session.toIteration = kept
      session.ended = ended
      session.outcome = status
    }
  }
}
