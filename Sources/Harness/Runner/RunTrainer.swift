import FlowCore
import Flows
import Foundation

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

  /// A trainer for `run` as `order` (resolved for it by ``RunOrder/init(run:directory:specFile:experiment:profile:overrides:commit:host:)``
  /// or read back with ``RunOrder/runSpec()``) describes it: its directory and provenance.
  public init(_ run: RunSpec, order: RunOrder, threads: Int, figures: FigureOutput) {
    self.init(
      run: run, directory: order.directory, specFile: order.specFile, experiment: order.experiment, profile: order.profile,
      overrides: order.overrides, commit: order.commit, host: order.host, threads: threads, figures: figures)
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

  /// Sets the run up (manifest, `spec.yaml`, data) and trains it, unless it completed before.
  func trainOwned(shouldStop: () -> Bool, progress: (TrainingProgress) -> Void, log: (String) -> Void) throws -> TrainingOutcome {
    let specHash = Provenance.hash(run.resolvedYAML)
    let existing = try RunManifest.read(directory: directory)
    if let existing {
      try checkConfiguration(of: existing, specHash: specHash)
      if existing.status == .completed, let evaluation = try RunEvaluation.read(directory: directory) { return .completed(evaluation) }
    }
    let started = startedManifest(continuing: existing, specHash: specHash)
    if let previous = existing?.matrixProducts?.last, let now = started.matrixProducts?.last, previous != now {
      log("\(run.identifier): resumed with other matrix products (before: \(previous); now: \(now)); its later iterations may differ in their last bits from an uninterrupted run")
    }
    var manifest = RunManifestWriter(started, directory: directory)
    try AtomicFile.write("# \(run.identifier): resolved configuration (profile \(provenance.profile))\n" + run.resolvedYAML, to: directory + "/spec.yaml")
    let data: TrainingData
    switch try loadData(&manifest) {
    case .loaded(let loaded): data = loaded
    case .ended(let outcome): return outcome
    }
    try manifest.running()
    return try Parallelism.withThreads(threads) {
      try Gemm.withBackend(run.training.gemm) {
        try RunLoop(run: run, directory: directory, figures: figures)
          .train(manifest: &manifest, data: data, shouldStop: shouldStop, progress: progress, log: log)
      }
    }
  }

  /// Refuses a run directory holding a run of another configuration.
  func checkConfiguration(of existing: RunManifest, specHash: String) throws {
    guard existing.specHash == specHash else {
      throw HarnessError.runDirectoryConflict(
        path: directory,
        reason: "holds a run of another configuration (spec hash \(existing.specHash), now \(specHash)); remove the directory or use another --runs-dir")
    }
  }

  /// The manifest of this session: `existing` with one more session, or a new one; with this
  /// process's commit, host, threads and matrix-product library, also as the newest entry of
  /// ``RunManifest/sessionHistory``.
  func startedManifest(continuing existing: RunManifest?, specHash: String) -> RunManifest {
    var manifest: RunManifest
    if let existing {
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
    let library = run.training.gemm.libraryDescription
    if manifest.matrixProducts?.last != library { manifest.matrixProducts = (manifest.matrixProducts ?? []) + [library] }
    let session = RunSession(
      commit: provenance.commit, host: provenance.host, threads: threads, matrixProducts: library, started: Provenance.now,
      fromIteration: existing?.iterationsCompleted ?? 0)
    manifest.sessionHistory = (manifest.sessionHistory ?? []) + [session]
    return manifest
  }

  /// The run's data, or how the run ended without it.
  enum DataLoad {
    case loaded(TrainingData)
    case ended(TrainingOutcome)
  }

  /// Loads the run's data; a missing dataset makes the run not-run, another problem fails it.
  func loadData(_ manifest: inout RunManifestWriter) throws -> DataLoad {
    do {
      return .loaded(try TrainingData.load(run))
    } catch let error as ImageDataError {
      guard case .missing(let missingPath, let what) = error else {
        return .ended(try manifest.failed("\(run.data.label): \(error)", seconds: manifest.manifest.wallSeconds))
      }
      let path = run.data.resolvedPath()
      let environment = run.data.kind.environmentVariable.map { "; set \($0) or the dataset's path" } ?? ""
      let reason = missingPath == path
        ? "\(run.data.label) not found at \(path) (\(what)\(environment))"
        : "\(run.data.label) not found at \(path): \(missingPath) is missing (\(what))"
      return .ended(try manifest.notRun(reason))
    }
  }

  /// One training iteration (0-based `iteration`): a batch (fresh toy samples, or the next
  /// dequantised images), the loss (toy: −mean log p in nats; images: mean bits/dim, or the
  /// ``TaskObjective`` of a classifying model), gradients,
  /// clipping, an Adam step at the scheduled rate, the concatenation schedule, power iteration and
  /// the EMA. Returns the loss; when it is not finite nothing is updated.
  static func step(
    run: RunSpec, task: TrainingData, model: SequentialFlow, head: ClassificationHead?, parameters: [Parameter], adam: Adam,
    average: ExponentialMovingAverage?, iteration: Int, data: inout RandomStream, estimator: inout RandomStream
  ) -> Double {
    let training = run.training
    let batch = task.trainingBatch(iteration: iteration, size: training.batchSize, random: &data)
    var context = FlowContext(mode: .training, random: estimator)
    let loss: Variable
    switch (task, head) {
    case (.images(let images), let head?):
      let labels = images.trainingLabels(iteration: iteration, size: training.batchSize)
      loss = TaskObjective.loss(model: model, head: head, data: run.data, batch: batch, labels: labels, context: &context)
    case (.toy, _):
      loss = -model.logLikelihood(Variable(batch), context: &context).mean()
    case (.images, nil):
      let logLikelihood = model.logLikelihood(Variable(batch), context: &context).mean()
      loss = BitsPerDimension.loss(meanLogLikelihood: logLikelihood, dimension: batch.count / batch.shape[0])
    }
    estimator = context.random
    let lossValue = Double(loss.value.scalar)
    guard lossValue.isFinite else { return lossValue }
    var gradients = Gradients.of(loss, withRespectTo: parameters.map(\.variable)).map(\.value)
    addNormOrderGradients(&gradients, model: model, parameters: parameters, weight: task.normOrderLossWeight)
    if let maximum = training.gradientClipping { _ = GradientClipping.clipByGlobalNorm(&gradients, maximumNorm: Float(maximum)) }
    adam.update(gradients: gradients, learningRate: training.schedule.learningRate(at: iteration))
    model.applyConcatenationSchedule(afterIteration: iteration)
    model.updateSpectralNorms(run.model.trainingPowerIterations)
    average?.update()
    return lossValue
  }

  /// Adds the gradient of `weight` × the learned-norm loss (``LipschitzConstrained/normOrderLoss()``,
  /// the reference's `compute_p_grads`) to `gradients`, when the model learns norm orders. As the
  /// reference, which drops a NaN gradient of an order, a non-finite term is left out.
  static func addNormOrderGradients(_ gradients: inout [Tensor], model: SequentialFlow, parameters: [Parameter], weight: Float) {
    guard let normLoss = model.normOrderLoss() else { return }
    let orders = Set(model.lipschitzLayers.flatMap { [$0.norm.domain, $0.norm.codomain] }.compactMap { $0.learnedOrder?.parameter.name })
    let indices = parameters.indices.filter { orders.contains(parameters[$0].name) }
    let extra = Gradients.of(normLoss * weight, withRespectTo: indices.map { parameters[$0].variable }).map(\.value)
    for (index, gradient) in zip(indices, extra) where gradient.scalars.allSatisfy(\.isFinite) {
      gradients[index] = gradients[index] + gradient
    }
  }

  /// Median seconds of one training iteration of `run` (``StepMeasurement``; toy runs after two
  /// warm-ups; image runs, whose steps take seconds, one timed iteration after one warm-up): the
  /// basis of the time estimates printed before a sweep.
  public static func secondsPerIteration(of run: RunSpec, threads: Int, repetitions requested: Int = 5) -> Double {
    let (warmups, repetitions) = run.data.kind == .toy ? (2, requested) : (1, 1)
    return StepMeasurement.measure(run, threads: threads, warmups: warmups, repetitions: repetitions).medianSeconds
  }
}
