import FlowCore
import Flows
import Foundation

/// What a training session reports while it runs.
public struct TrainingProgress: Sendable {
  /// The run.
  public var run: String
  /// Iterations completed and asked for.
  public var iteration: Int
  public var iterations: Int
  /// The mean loss of the last logging window.
  public var loss: Double
  /// Iterations per second in this session.
  public var iterationsPerSecond: Double
  /// A test NLL evaluated at this iteration.
  public var testNLL: Double?
}

/// Whether figures are drawn at the end of a run.
public enum FigureOutput: Sendable {
  /// Density and sample panels, and the η̂ heatmap of learnable-concatenation models.
  case draw
  /// None (tests, CI regression).
  case skip
}

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

/// Trains one run in its directory, resuming from its newest checkpoint if there is one.
///
/// Toy runs follow the reference's `train_toy.py`: a fresh batch from the generator every step,
/// loss −mean log p, Adam, then `power_iterations.training` power iterations on every Lipschitz
/// layer; before each test evaluation `power_iterations.evaluation` iterations, then the exact
/// 2×2 log-determinant on fresh test samples from the fixed test seed.
/// Image runs follow `train_img.py`: epochs over the dequantised training images, loss in
/// bits/dim, the multi-scale model, test bits/dim with the EMA weights (see ``ImageBatches``).
///
/// Everything random comes from three streams split off the run's seed (initialisation, data,
/// estimator); they are saved in checkpoints with the parameters, the Adam moments, the
/// power-iteration vectors and the EMA, so a resumed run continues bit for bit.
public struct RunTrainer {
  /// The run.
  public let run: RunSpec
  /// Its directory.
  public let directory: String
  /// Recorded in the manifest.
  public let provenance: (specFile: String, experiment: String, profile: String, overrides: [String], commit: String, host: String)
  /// Worker threads.
  public let threads: Int
  /// Figures or not.
  public let figures: FigureOutput

  /// Creates a trainer.
  public init(
    run: RunSpec, directory: String, specFile: String, experiment: String, profile: String, overrides: [String], commit: String,
    host: String, threads: Int, figures: FigureOutput
  ) {
    self.run = run
    self.directory = directory
    provenance = (specFile, experiment, profile, overrides, commit, host)
    self.threads = threads
    self.figures = figures
  }

  /// Trains until done or until `shouldStop()` returns true (checked after every iteration and
  /// between the chunks of an evaluation), holding the run directory's ``RunLock`` throughout;
  /// returns ``TrainingOutcome/busy(_:)`` without touching anything when another process holds it.
  /// - Throws: ``HarnessError`` for file problems and a run directory holding another configuration.
  public func train(shouldStop: () -> Bool = { false }, progress: (TrainingProgress) -> Void = { _ in }, log: (String) -> Void = { _ in }) throws -> TrainingOutcome {
    let lock: RunLock
    switch try RunLock.acquire(directory: directory) {
    case .success(let acquired): lock = acquired
    case .failure(let holder): return .busy(holder)
    }
    return try withExtendedLifetime(lock) { try trainOwned(shouldStop: shouldStop, progress: progress, log: log) }
  }

  func trainOwned(shouldStop: () -> Bool, progress: (TrainingProgress) -> Void, log: (String) -> Void) throws -> TrainingOutcome {
    let specHash = Provenance.hash(run.resolvedYAML)
    var manifest: RunManifest
    if let existing = try RunManifest.read(directory: directory) {
      guard existing.specHash == specHash else {
        throw HarnessError.runDirectoryConflict(
          path: directory,
          reason: "holds a run of another configuration (spec hash \(existing.specHash), now \(specHash)); remove the directory or use another --runs-dir")
      }
      if existing.status == .completed, let evaluation = try RunEvaluation.read(directory: directory) { return .completed(evaluation) }
      manifest = existing
      manifest.sessions += 1
    } else {
      manifest = RunManifest(
        run: run.identifier, experiment: provenance.experiment, specFile: provenance.specFile, specHash: specHash, profile: provenance.profile,
        overrides: provenance.overrides, sweep: run.assignments.map(\.description), seed: run.seed, commit: provenance.commit,
        host: provenance.host, threads: threads, started: Provenance.now, ended: nil, wallSeconds: 0, sessions: 1, status: .running,
        error: nil, iterationsCompleted: 0, iterations: run.training.iterations, parameters: run.parameterCount, budgetMatch: run.budgetMatch)
    }
    manifest.commit = provenance.commit
    manifest.threads = threads
    manifest.host = provenance.host
    try AtomicFile.write("# \(run.identifier): resolved configuration (profile \(provenance.profile))\n" + run.resolvedYAML, to: directory + "/spec.yaml")
    let data: TrainingData
    do {
      data = try TrainingData.load(run)
    } catch let error as ImageDataError {
      let path = run.data.resolvedPath()
      if case .missing(let missingPath, let what) = error {
        let environment = run.data.kind.environmentVariable.map { "; set \($0) or the dataset's path" } ?? ""
        let reason = missingPath == path
          ? "\(run.data.label) not found at \(path) (\(what)\(environment))"
          : "\(run.data.label) not found at \(path): \(missingPath) is missing (\(what))"
        manifest.status = .notRun
        manifest.error = reason
        manifest.ended = Provenance.now
        try manifest.write(directory: directory)
        return .notRun(reason)
      }
      return try fail(&manifest, "\(run.data.label): \(error)", seconds: manifest.wallSeconds)
    }
    manifest.status = .running
    manifest.error = nil
    try manifest.write(directory: directory)
    return try Parallelism.withThreads(threads) {
      try session(manifest: manifest, data: data, shouldStop: shouldStop, progress: progress, log: log)
    }
  }

  /// Trains in the open session until done, stopped or failed.
  func session(
    manifest initial: RunManifest, data task: TrainingData, shouldStop: () -> Bool, progress: (TrainingProgress) -> Void,
    log: (String) -> Void
  ) throws -> TrainingOutcome {
    var manifest = initial
    let training = run.training
    let session = TrainingSession(run: run, task: task, directory: directory, specHash: manifest.specHash, elapsedBefore: manifest.wallSeconds)
    if session.restoreNewest(log: log) { log("\(run.identifier): resuming at iteration \(session.iteration) of \(training.iterations)") }
    if session.rowPending, let outcome = try completeRow(session, manifest: &manifest, shouldStop: shouldStop, progress: progress) {
      return outcome
    }
    while session.iteration < training.iterations {
      let loss = session.step()
      guard loss.isFinite else {
        return try fail(&manifest, "non-finite training loss (\(loss)) at iteration \(session.iteration + 1)", seconds: session.seconds)
      }
      let iteration = session.iteration
      let isLast = iteration == training.iterations
      let evaluationDue = iteration % run.evaluation.every == 0 || isLast
      let rowDue = evaluationDue || iteration % training.logEvery == 0
      let stopping = !isLast && shouldStop()
      if evaluationDue || stopping || iteration % training.checkpointEvery == 0 {
        try session.saveCheckpoint(rowPending: rowDue)
        manifest.iterationsCompleted = iteration
        manifest.wallSeconds = session.seconds
        try manifest.write(directory: directory)
      }
      if stopping { return try interrupted(&manifest, at: iteration) }
      if rowDue, let outcome = try completeRow(session, manifest: &manifest, shouldStop: shouldStop, progress: progress) { return outcome }
    }
    return try finish(session, manifest: &manifest)
  }

  /// Makes the pending metrics row of the session's iteration; returns an outcome when the run
  /// ends here (stopped during the evaluation, or a non-finite test NLL).
  func completeRow(
    _ session: TrainingSession, manifest: inout RunManifest, shouldStop: () -> Bool, progress: (TrainingProgress) -> Void
  ) throws -> TrainingOutcome? {
    let iteration = session.iteration
    let isLast = iteration == run.training.iterations
    let evaluationDue = iteration % run.evaluation.every == 0 || isLast
    guard let row = session.makeRow(evaluationDue: evaluationDue, isLast: isLast, shouldStop: shouldStop) else {
      return try interrupted(&manifest, at: iteration)
    }
    if evaluationDue, !(row.testNLL ?? .nan).isFinite {
      return try fail(&manifest, "non-finite test NLL at iteration \(iteration)", seconds: session.seconds)
    }
    progress(TrainingProgress(
      run: run.identifier, iteration: iteration, iterations: run.training.iterations, loss: row.loss, iterationsPerSecond: session.rate,
      testNLL: row.testNLL))
    return nil
  }

  /// Records a stop on request (the newest checkpoint holds the state to resume from).
  func interrupted(_ manifest: inout RunManifest, at iteration: Int) throws -> TrainingOutcome {
    manifest.status = .interrupted
    manifest.ended = Provenance.now
    try manifest.write(directory: directory)
    return .interrupted(iteration: iteration)
  }

  /// After the last iteration and its evaluation: figures, `metrics.csv`, `eval.json` and the
  /// completed manifest.
  func finish(_ session: TrainingSession, manifest: inout RunManifest) throws -> TrainingOutcome {
    guard let nll = session.lastEvaluation else {
      return try fail(&manifest, "internal: the final evaluation is missing", seconds: session.seconds)
    }
    let notes = try drawFigures(session)
    let weights = ToyFigures.concatenationWeights(of: session.model)
    var evaluation = RunEvaluation(
      run: run.identifier, model: run.modelName, dataset: run.datasetName, iterations: session.iteration, testNLL: nll.mean,
      testStandardError: nll.standardError, unit: run.data.unit, testSamples: nll.samples, testSeed: run.evaluation.testSeed,
      entropy: session.task.entropy, concatenationWeights: weights.isEmpty ? nil : weights.map { $0.map { [Double($0.0), Double($0.1)] } },
      parameters: session.parameters.reduce(0) { $0 + $1.count })
    if let perEpoch = run.iterationsPerEpoch {
      evaluation.epochs = Double(session.iteration) / Double(perEpoch)
      evaluation.dataPath = run.data.resolvedPath()
    }
    try MetricRow.write(session.metrics, path: session.metricsPath)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(try encoder.encode(evaluation), to: directory + "/eval.json")
    manifest.status = .completed
    manifest.error = notes.isEmpty ? nil : notes.joined(separator: "; ")
    manifest.ended = Provenance.now
    manifest.iterationsCompleted = session.iteration
    manifest.wallSeconds = session.seconds
    try manifest.write(directory: directory)
    return .completed(evaluation)
  }

  /// The run's figures (when asked for); returns notes on figures that could not be drawn.
  func drawFigures(_ session: TrainingSession) throws -> [String] {
    guard figures == .draw else { return [] }
    var notes: [String] = []
    let seed = run.evaluation.testSeed &+ 1
    do {
      switch session.task {
      case .toy(let distribution):
        try ToyFigures.densityFigure(model: session.model, distribution: distribution, seed: seed).write(to: directory + "/density.png")
      case .images(let batches):
        let draw = { try ImageFigures.sampleGrid(model: session.model, geometry: batches.geometry, seed: seed) }
        try (session.average.map { try $0.withAveragedParameters(draw) } ?? draw()).write(to: directory + "/samples.png")
      }
    } catch let error as FlowError {
      notes.append("sample figure not drawn: \(error)")
    }
    let weights = ToyFigures.concatenationWeights(of: session.model)
    if case .learnable = run.model.concatenation, let figure = ToyFigures.concatenationFigure(weights, coefficient: run.model.concatenationCoefficient) {
      try figure.write(to: directory + "/concatenation.png")
    }
    return notes
  }

  /// One training iteration (0-based `iteration`): a batch (fresh toy samples, or the next
  /// dequantised images), the loss (toy: −mean log p in nats; images: mean bits/dim), gradients,
  /// clipping, an Adam step at the scheduled rate, the concatenation schedule, power iteration and
  /// the EMA. Returns the loss; when it is not finite nothing is updated.
  static func step(
    run: RunSpec, task: TrainingData, model: SequentialFlow, parameters: [Parameter], adam: Adam, average: ExponentialMovingAverage?,
    iteration: Int, data: inout RandomStream, estimator: inout RandomStream
  ) -> Double {
    let training = run.training
    let batch = task.trainingBatch(iteration: iteration, size: training.batchSize, random: &data)
    var context = FlowContext(mode: .training, random: estimator)
    let logLikelihood = model.logLikelihood(Variable(batch), context: &context).mean()
    estimator = context.random
    let loss: Variable
    switch task {
    case .toy:
      loss = -logLikelihood
    case .images:
      let dimension = Float(batch.count / batch.shape[0])
      loss = (logLikelihood - dimension * Float(log(256.0))) * (-1 / (dimension * Float(log(2.0))))
    }
    let lossValue = Double(loss.value.scalar)
    guard lossValue.isFinite else { return lossValue }
    var gradients = Gradients.of(loss, withRespectTo: parameters.map(\.variable)).map(\.value)
    if let maximum = training.gradientClipping { _ = GradientClipping.clipByGlobalNorm(&gradients, maximumNorm: Float(maximum)) }
    adam.update(gradients: gradients, learningRate: training.schedule.learningRate(at: iteration))
    model.applyConcatenationSchedule(afterIteration: iteration)
    model.updateSpectralNorms(run.model.trainingPowerIterations)
    average?.update()
    return lossValue
  }

  /// Median seconds of one training iteration of `run` (image runs: one timed iteration after one
  /// warm-up, as their steps take seconds) (the same ``step(run:task:model:parameters:adam:average:iteration:data:estimator:)``
  /// as training, after two warm-ups), measured in memory with nothing written: the basis of the
  /// time estimates printed before a sweep. Image runs are timed on random pixels (no files read).
  public static func secondsPerIteration(of run: RunSpec, threads: Int, repetitions requested: Int = 5) -> Double {
    let (warmups, repetitions) = run.data.kind == .toy ? (2, requested) : (1, 1)
    return Parallelism.withThreads(threads) {
      let task = TrainingData.timing(run)
      var random = RandomStream(seed: run.seed)
      let model = task.buildModel(run, random: &random)
      let parameters = model.parameters
      let adam = Adam(parameters: parameters)
      let average = run.training.averageDecay.map { ExponentialMovingAverage(parameters: parameters, decay: Float($0)) }
      var estimator = random.split()
      var times: [Double] = []
      for iteration in 0..<(repetitions + warmups) {
        let start = Date()
        _ = step(run: run, task: task, model: model, parameters: parameters, adam: adam, average: average, iteration: iteration, data: &random, estimator: &estimator)
        times.append(Date().timeIntervalSince(start))
      }
      return times.dropFirst(warmups).sorted()[repetitions / 2]
    }
  }

  func fail(_ manifest: inout RunManifest, _ reason: String, seconds: Double) throws -> TrainingOutcome {
    manifest.status = .failed
    manifest.error = reason
    manifest.ended = Provenance.now
    manifest.wallSeconds = seconds
    try manifest.write(directory: directory)
    return .failed(reason)
  }
}
