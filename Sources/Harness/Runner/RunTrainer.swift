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

  /// Trains until done or until `shouldStop()` returns true (checked after every iteration).
  /// - Throws: ``HarnessError`` for file problems and a run directory holding another configuration.
  public func train(shouldStop: () -> Bool = { false }, progress: (TrainingProgress) -> Void = { _ in }, log: (String) -> Void = { _ in }) throws -> TrainingOutcome {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
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

  func session(
    manifest initial: RunManifest, data task: TrainingData, shouldStop: () -> Bool, progress: (TrainingProgress) -> Void,
    log: (String) -> Void
  ) throws -> TrainingOutcome {
    var manifest = initial
    let training = run.training
    var root = RandomStream(seed: run.seed)
    var initialization = root.split()
    var data = root.split()
    var estimator = root.split()
    let model = task.buildModel(run, random: &initialization)
    let parameters = model.parameters
    let adam = Adam(
      parameters: parameters, betas: (Float(training.betas[0]), Float(training.betas[1])), epsilon: Float(training.epsilon),
      weightDecay: training.weightDecay)
    let average = training.averageDecay.map { ExponentialMovingAverage(parameters: parameters, decay: Float($0)) }
    let layers = model.lipschitzLayers
    let normalizations = model.flows.compactMap { $0 as? ActNorm }
    let store = CheckpointStore(directory: directory)
    let metricsPath = directory + "/metrics.csv"

    var iteration = 0
    var windowLoss = 0.0
    var windowCount = 0
    var elapsedBefore = manifest.wallSeconds
    var metrics: [MetricRow] = []
    if let checkpoint = store.loadNewest(warn: log) {
      do {
        try restore(checkpoint, parameters: parameters, adam: adam, average: average, layers: layers)
      } catch {
        throw HarnessError.corruptCheckpoint(path: directory + "/checkpoint.bin", reason: "does not fit this model: \(error)")
      }
      iteration = checkpoint.iteration
      data = checkpoint.streams["data"] ?? data
      estimator = checkpoint.streams["estimator"] ?? estimator
      for normalization in normalizations { normalization.isInitialized = (checkpoint.integers["actnormInitialized"] ?? 0) != 0 }
      windowCount = checkpoint.integers["windowCount"] ?? 0
      windowLoss = Double(bitPattern: UInt64(UInt(bitPattern: checkpoint.integers["windowLossBits"] ?? 0)))
      elapsedBefore = Double(bitPattern: UInt64(UInt(bitPattern: checkpoint.integers["secondsBits"] ?? 0)))
      metrics = MetricRow.read(path: metricsPath).filter { $0.iteration <= iteration }
      log("\(run.identifier): resuming at iteration \(iteration) of \(training.iterations)")
    }

    let sessionStart = Date()
    let sessionStartIteration = iteration
    var seconds: Double { elapsedBefore + Date().timeIntervalSince(sessionStart) }

    func saveCheckpoint() throws {
      try MetricRow.write(metrics, path: metricsPath)
      var checkpoint = Checkpoint(iteration: iteration)
      checkpoint.integers = [
        "adamStep": adam.step, "windowCount": windowCount, "windowLossBits": Int(bitPattern: UInt(windowLoss.bitPattern)),
        "secondsBits": Int(bitPattern: UInt(seconds.bitPattern)),
        "actnormInitialized": normalizations.allSatisfy(\.isInitialized) ? 1 : 0,
      ]
      checkpoint.streams = ["data": data, "estimator": estimator]
      checkpoint.tensors = parameters.map { ("parameter/" + $0.name, $0.value) }
      checkpoint.tensors += zip(parameters, adam.firstMoments).map { ("adam.m/" + $0.name, $1) }
      checkpoint.tensors += zip(parameters, adam.secondMoments).map { ("adam.v/" + $0.name, $1) }
      if let average { checkpoint.tensors += zip(parameters, average.averages).map { ("ema/" + $0.name, $1) } }
      for (index, layer) in layers.enumerated() {
        checkpoint.tensors += layer.singularVectors.enumerated().map { ("power/\(index)/\($0)", $1) }
      }
      try store.save(checkpoint)
      manifest.iterationsCompleted = iteration
      manifest.wallSeconds = seconds
      try manifest.write(directory: directory)
    }

    func evaluate(samples: Int) -> NegativeLogLikelihood {
      model.updateSpectralNorms(run.model.evaluationPowerIterations)
      let body = { task.testNegativeLogLikelihood(of: model, samples: samples, testSeed: run.evaluation.testSeed) }
      return average.map { $0.withAveragedParameters(body) } ?? body()
    }

    var finalNLL: NegativeLogLikelihood?
    while iteration < training.iterations {
      let lossValue = RunTrainer.step(
        run: run, task: task, model: model, parameters: parameters, adam: adam, average: average, iteration: iteration, data: &data,
        estimator: &estimator)
      guard lossValue.isFinite else {
        return try fail(&manifest, "non-finite training loss (\(lossValue)) at iteration \(iteration + 1)", seconds: seconds)
      }
      iteration += 1
      windowLoss += lossValue
      windowCount += 1

      let isLast = iteration == training.iterations
      let evaluationDue = iteration % run.evaluation.every == 0 || isLast
      if iteration % training.logEvery == 0 || evaluationDue {
        var row = MetricRow(iteration: iteration, loss: windowLoss / Double(max(windowCount, 1)), testNLL: nil, testStandardError: nil, seconds: 0)
        if evaluationDue {
          let nll = evaluate(samples: isLast ? run.evaluation.finalTestSamples : run.evaluation.testSamples)
          guard nll.mean.isFinite else { return try fail(&manifest, "non-finite test NLL at iteration \(iteration)", seconds: seconds) }
          row.testNLL = nll.mean
          row.testStandardError = nll.standardError
          if isLast { finalNLL = nll }
        }
        row.seconds = seconds
        metrics.append(row)
        windowLoss = 0
        windowCount = 0
        let rate = Double(iteration - sessionStartIteration) / max(Date().timeIntervalSince(sessionStart), 1e-9)
        progress(TrainingProgress(run: run.identifier, iteration: iteration, iterations: training.iterations, loss: row.loss, iterationsPerSecond: rate, testNLL: row.testNLL))
      }
      let stopping = !isLast && shouldStop()
      if iteration % training.checkpointEvery == 0 || isLast || stopping { try saveCheckpoint() }
      if stopping {
        manifest.status = .interrupted
        manifest.ended = Provenance.now
        try manifest.write(directory: directory)
        return .interrupted(iteration: iteration)
      }
    }

    let nll = finalNLL ?? evaluate(samples: run.evaluation.finalTestSamples)
    let weights = ToyFigures.concatenationWeights(of: model)
    var notes: [String] = []
    if figures == .draw {
      do {
        switch task {
        case .toy(let distribution):
          try ToyFigures.densityFigure(model: model, distribution: distribution, seed: run.evaluation.testSeed &+ 1).write(to: directory + "/density.png")
        case .images(let batches):
          let sampleGrid = try (average.map { average in try average.withAveragedParameters { try ImageFigures.sampleGrid(model: model, geometry: batches.geometry, seed: run.evaluation.testSeed &+ 1) } }
            ?? ImageFigures.sampleGrid(model: model, geometry: batches.geometry, seed: run.evaluation.testSeed &+ 1))
          try sampleGrid.write(to: directory + "/samples.png")
        }
      } catch let error as FlowError {
        notes.append("sample figure not drawn: \(error)")
      }
      if case .learnable = run.model.concatenation, let figure = ToyFigures.concatenationFigure(weights, coefficient: run.model.concatenationCoefficient) {
        try figure.write(to: directory + "/concatenation.png")
      }
    }
    var evaluation = RunEvaluation(
      run: run.identifier, model: run.modelName, dataset: run.datasetName, iterations: iteration, testNLL: nll.mean,
      testStandardError: nll.standardError, unit: run.data.unit, testSamples: nll.samples, testSeed: run.evaluation.testSeed,
      entropy: task.entropy, concatenationWeights: weights.isEmpty ? nil : weights.map { $0.map { [Double($0.0), Double($0.1)] } },
      parameters: parameters.reduce(0) { $0 + $1.count })
    if let perEpoch = run.iterationsPerEpoch {
      evaluation.epochs = Double(iteration) / Double(perEpoch)
      evaluation.dataPath = run.data.resolvedPath()
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(try encoder.encode(evaluation), to: directory + "/eval.json")
    manifest.status = .completed
    manifest.error = notes.isEmpty ? nil : notes.joined(separator: "; ")
    manifest.ended = Provenance.now
    manifest.iterationsCompleted = iteration
    manifest.wallSeconds = seconds
    try manifest.write(directory: directory)
    return .completed(evaluation)
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

  func restore(_ checkpoint: Checkpoint, parameters: [Parameter], adam: Adam, average: ExponentialMovingAverage?, layers: [any LipschitzLayer]) throws {
    func tensor(_ name: String, like expected: Tensor) throws -> Tensor {
      guard let found = checkpoint.tensors.first(where: { $0.name == name })?.tensor else { throw LipschitzStateError(description: "missing \(name)") }
      guard found.shape == expected.shape else { throw LipschitzStateError(description: "\(name) has shape \(found.shape), expected \(expected.shape)") }
      return found
    }
    let values = try parameters.map { try tensor("parameter/" + $0.name, like: $0.value) }
    let first = try parameters.map { try tensor("adam.m/" + $0.name, like: $0.value) }
    let second = try parameters.map { try tensor("adam.v/" + $0.name, like: $0.value) }
    for (parameter, value) in zip(parameters, values) { parameter.value = value }
    adam.restore(step: checkpoint.integers["adamStep"] ?? 0, firstMoments: first, secondMoments: second)
    if let average { average.restore(averages: try parameters.map { try tensor("ema/" + $0.name, like: $0.value) }) }
    for (index, layer) in layers.enumerated() {
      try layer.restoreSingularVectors(checkpoint.tensors(withPrefix: "power/\(index)/"))
    }
  }
}
