/// The training loop of one session of a run: restore the newest checkpoint (or start from the
/// seed), make a metrics row left pending, then step, checkpoint, evaluate and record until the
/// last iteration, a stop request or a failure; ``RunEndWriter`` writes what a completed run leaves.
struct RunLoop {
  /// The run.
  let run: RunSpec
  /// Its directory.
  let directory: String
  /// Figures or not at the end.
  let figures: FigureOutput

  /// Trains in the open session until done, stopped or failed.
  func train(
    manifest: inout RunManifestWriter, data task: TrainingData, shouldStop: () -> Bool, progress: (TrainingProgress) -> Void,
    log: (String) -> Void
  ) throws -> TrainingOutcome {
    let session = try TrainingSession(
      run: run, task: task, directory: directory, specHash: manifest.manifest.specHash, elapsedBefore: manifest.manifest.wallSeconds)
    if session.restoreNewest(log: log) { log("\(run.identifier): resuming at iteration \(session.iteration) of \(run.training.iterations)") }
    try manifest.sessionStarts(at: session.iteration)
    if session.row == .pending, let outcome = try completeRow(session, manifest: &manifest, shouldStop: shouldStop, progress: progress) {
      return outcome
    }
    while session.iteration < run.training.iterations {
      if let outcome = try iterate(session, manifest: &manifest, shouldStop: shouldStop, progress: progress) { return outcome }
    }
    return try RunEndWriter(run: run, directory: directory, figures: figures).finish(session, manifest: &manifest)
  }

  /// One iteration: the step, a checkpoint when due (or when stopping), and the metrics row when
  /// due; returns an outcome when the run ends here.
  func iterate(
    _ session: TrainingSession, manifest: inout RunManifestWriter, shouldStop: () -> Bool, progress: (TrainingProgress) -> Void
  ) throws -> TrainingOutcome? {
    let loss = session.step()
    guard loss.isFinite else {
      return try manifest.failed("non-finite training loss (\(loss)) at iteration \(session.iteration + 1)", seconds: session.seconds)
    }
    let iteration = session.iteration
    let due = Due(run: run, iteration: iteration)
    let stopping = !due.isLast && shouldStop()
    if due.evaluation || stopping || iteration % run.training.checkpointEvery == 0 {
      try session.saveCheckpoint(row: due.row ? .pending : .made)
      try manifest.checkpointed(at: iteration, seconds: session.seconds)
    }
    if stopping { return try manifest.interrupted(at: iteration) }
    guard due.row else { return nil }
    return try completeRow(session, manifest: &manifest, shouldStop: shouldStop, progress: progress)
  }

  /// Makes the pending metrics row of the session's iteration; returns an outcome when the run
  /// ends here (stopped during the evaluation, or a non-finite test NLL).
  func completeRow(
    _ session: TrainingSession, manifest: inout RunManifestWriter, shouldStop: () -> Bool, progress: (TrainingProgress) -> Void
  ) throws -> TrainingOutcome? {
    let iteration = session.iteration
    let due = Due(run: run, iteration: iteration)
    guard let row = session.makeRow(evaluationDue: due.evaluation, isLast: due.isLast, shouldStop: shouldStop) else {
      return try manifest.interrupted(at: iteration)
    }
    if due.evaluation, !(row.testNLL ?? .nan).isFinite {
      return try manifest.failed("non-finite test NLL at iteration \(iteration)", seconds: session.seconds)
    }
    progress(TrainingProgress(
      run: run.identifier, iteration: iteration, iterations: run.training.iterations, loss: row.loss, iterationsPerSecond: session.rate,
      testNLL: row.testNLL, testAccuracy: row.testAccuracy))
    return nil
  }

  /// What is due after an iteration.
  struct Due {
    /// The iteration is the run's last.
    let isLast: Bool
    /// A test evaluation (every `evaluation.every` iterations, and after the last).
    let evaluation: Bool
    /// A metrics row (with every evaluation, and every `log_every` iterations).
    let row: Bool

    init(run: RunSpec, iteration: Int) {
      isLast = iteration == run.training.iterations
      evaluation = iteration % run.evaluation.every == 0 || isLast
      row = evaluation || iteration % run.training.logEvery == 0
    }
  }
}
