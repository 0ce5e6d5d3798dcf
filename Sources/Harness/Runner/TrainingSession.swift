import FlowCore
import Flows
import Foundation

/// The live state of one training process working on a run: the model, optimizer, average,
/// random streams and the loop's bookkeeping, with their checkpointing.
///
/// A checkpoint is taken before every evaluation (and every `checkpoint_every` iterations, and on
/// a stop request); when the iteration's metrics row is still to be made it says so
/// (`rowPending`), and a resumed process makes that row first. The state an evaluation starts from
/// (power-iteration vectors included, which the evaluation advances) is therefore always on disk,
/// and a process that dies anywhere between the last step and `eval.json` resumes to the same
/// numbers.
final class TrainingSession {
  let run: RunSpec
  let task: TrainingData
  let owner: CheckpointOwner
  let model: SequentialFlow
  let parameters: [Parameter]
  let adam: Adam
  let average: ExponentialMovingAverage?
  let layers: [any LipschitzLayer]
  let normalizations: [ActNorm]
  let store: CheckpointStore
  let metricsPath: String

  var data: RandomStream
  var estimator: RandomStream
  var iteration = 0
  var windowLoss = 0.0
  var windowCount = 0
  var elapsedBefore: Double
  var metrics: [MetricRow] = []
  /// Whether the metrics row of `iteration` (and its evaluation, when due) is still to be made.
  var rowPending = false
  /// The latest test evaluation made by this process.
  var lastEvaluation: NegativeLogLikelihood?
  let sessionStart = Date()
  var sessionStartIteration = 0

  init(run: RunSpec, task: TrainingData, directory: String, specHash: String, elapsedBefore: Double) {
    self.run = run
    self.task = task
    owner = CheckpointOwner(run: run.identifier, specHash: specHash)
    var root = RandomStream(seed: run.seed)
    var initialization = root.split()
    data = root.split()
    estimator = root.split()
    model = task.buildModel(run, random: &initialization)
    parameters = model.parameters
    let training = run.training
    adam = Adam(
      parameters: parameters, betas: (Float(training.betas[0]), Float(training.betas[1])), epsilon: Float(training.epsilon),
      weightDecay: training.weightDecay)
    let parameters = self.parameters
    average = training.averageDecay.map { ExponentialMovingAverage(parameters: parameters, decay: Float($0)) }
    layers = model.lipschitzLayers
    normalizations = model.flows.compactMap { $0 as? ActNorm }
    store = CheckpointStore(directory: directory)
    metricsPath = directory + "/metrics.csv"
    self.elapsedBefore = elapsedBefore
  }

  /// Training seconds over every session so far.
  var seconds: Double { elapsedBefore + Date().timeIntervalSince(sessionStart) }

  /// Iterations per second in this process.
  var rate: Double { Double(iteration - sessionStartIteration) / max(Date().timeIntervalSince(sessionStart), 1e-9) }

  // MARK: Checkpoints

  /// Restores the newest checkpoint of this run that fits; files of other runs or configurations,
  /// of another format or that do not fit the model are skipped with a warning (the state is
  /// left untouched by a file that does not fit). Returns whether one was restored.
  func restoreNewest(log: (String) -> Void) -> Bool {
    guard let checkpoint = store.loadNewest(accepting: { try restore($0) }, warn: log) else { return false }
    iteration = checkpoint.iteration
    sessionStartIteration = iteration
    data = checkpoint.streams["data"] ?? data
    estimator = checkpoint.streams["estimator"] ?? estimator
    for normalization in normalizations { normalization.isInitialized = (checkpoint.integers["actnormInitialized"] ?? 0) != 0 }
    windowCount = checkpoint.integers["windowCount"] ?? 0
    windowLoss = Double(bitPattern: UInt64(UInt(bitPattern: checkpoint.integers["windowLossBits"] ?? 0)))
    elapsedBefore = Double(bitPattern: UInt64(UInt(bitPattern: checkpoint.integers["secondsBits"] ?? 0)))
    rowPending = (checkpoint.integers["rowPending"] ?? 0) != 0
    let rows = MetricRow.read(path: metricsPath)
    let kept = checkpoint.integers["metricRows"] ?? rows.count
    metrics = Array(rows.prefix(kept)).filter { $0.iteration <= iteration }
    return true
  }

  /// Saves the state after `iteration`; `rowPending` says whether that iteration's row is still
  /// to be made. The metrics rows made so far are written first.
  func saveCheckpoint(rowPending pending: Bool) throws {
    try MetricRow.write(metrics, path: metricsPath)
    var checkpoint = Checkpoint(iteration: iteration)
    checkpoint.owner = owner
    checkpoint.integers = [
      "adamStep": adam.step, "windowCount": windowCount, "windowLossBits": Int(bitPattern: UInt(windowLoss.bitPattern)),
      "secondsBits": Int(bitPattern: UInt(seconds.bitPattern)), "actnormInitialized": normalizations.allSatisfy(\.isInitialized) ? 1 : 0,
      "rowPending": pending ? 1 : 0, "metricRows": metrics.count,
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
  }

  /// Puts a checkpoint's tensors into the model, optimizer and average, all or nothing: when
  /// anything does not fit, the state from before the call is put back and the error thrown.
  func restore(_ checkpoint: Checkpoint) throws {
    guard checkpoint.owner == owner else {
      throw LipschitzStateError(description: "it belongs to \(checkpoint.owner.map(\.description) ?? "no run"), not to \(owner)")
    }
    let before = (parameters.map(\.value), adam.step, adam.firstMoments, adam.secondMoments, average?.averages, layers.map(\.singularVectors))
    do {
      try restoreTensors(checkpoint)
    } catch {
      for (parameter, value) in zip(parameters, before.0) { parameter.value = value }
      adam.restore(step: before.1, firstMoments: before.2, secondMoments: before.3)
      if let averages = before.4 { average?.restore(averages: averages) }
      for (layer, vectors) in zip(layers, before.5) { try? layer.restoreSingularVectors(vectors) }
      throw error
    }
  }

  func restoreTensors(_ checkpoint: Checkpoint) throws {
    var byName: [String: Tensor] = [:]
    for (name, tensor) in checkpoint.tensors { byName[name] = tensor }
    func tensor(_ name: String, like expected: Tensor) throws -> Tensor {
      guard let found = byName[name] else { throw LipschitzStateError(description: "missing \(name)") }
      guard found.shape == expected.shape else { throw LipschitzStateError(description: "\(name) has shape \(found.shape), expected \(expected.shape)") }
      return found
    }
    let values = try parameters.map { try tensor("parameter/" + $0.name, like: $0.value) }
    let first = try parameters.map { try tensor("adam.m/" + $0.name, like: $0.value) }
    let second = try parameters.map { try tensor("adam.v/" + $0.name, like: $0.value) }
    let averages = try average.map { _ in try parameters.map { try tensor("ema/" + $0.name, like: $0.value) } }
    let powerNames = Set(checkpoint.tensors.map(\.name).filter { $0.hasPrefix("power/") })
    let expectedPowerNames = layers.indices.flatMap { index in ["power/\(index)/0", "power/\(index)/1"] }
    guard powerNames.isSubset(of: expectedPowerNames) else {
      throw LipschitzStateError(description: "power-iteration state for \(powerNames.subtracting(expectedPowerNames).sorted().first ?? "") does not fit this model")
    }
    for (parameter, value) in zip(parameters, values) { parameter.value = value }
    adam.restore(step: checkpoint.integers["adamStep"] ?? 0, firstMoments: first, secondMoments: second)
    if let averages { average?.restore(averages: averages) }
    for (index, layer) in layers.enumerated() {
      try layer.restoreSingularVectors(checkpoint.tensors(withPrefix: "power/\(index)/"))
    }
  }

  // MARK: Training and evaluation

  /// One training step; returns the loss (not finite: nothing was updated).
  func step() -> Double {
    let loss = RunTrainer.step(
      run: run, task: task, model: model, parameters: parameters, adam: adam, average: average, iteration: iteration, data: &data,
      estimator: &estimator)
    guard loss.isFinite else { return loss }
    iteration += 1
    windowLoss += loss
    windowCount += 1
    return loss
  }

  /// The test NLL on `samples` test points or images; nil when `shouldStop` asked to stop part-way
  /// (checked between chunks). As the reference's `train_img.py`: when the run keeps an average,
  /// its weights are swapped in first, then the evaluation power iterations run on the weights
  /// actually evaluated (so σ is that of the averaged weights), then the test; the training
  /// weights come back afterwards and keep the singular vectors the evaluation left.
  func evaluate(samples: Int, shouldStop: () -> Bool) -> NegativeLogLikelihood? {
    withoutActuallyEscaping(shouldStop) { shouldStop in
      let body = {
        self.model.updateSpectralNorms(self.run.model.evaluationPowerIterations)
        return self.task.testNegativeLogLikelihood(of: self.model, samples: samples, testSeed: self.run.evaluation.testSeed, shouldStop: shouldStop)
      }
      return average.map { $0.withAveragedParameters(body) } ?? body()
    }
  }

  /// Makes the metrics row of the current iteration (with a test evaluation when due; the final
  /// one on the final test samples) and appends it. Returns nil when stopped during the evaluation.
  func makeRow(evaluationDue: Bool, isLast: Bool, shouldStop: () -> Bool) -> MetricRow? {
    var row = MetricRow(iteration: iteration, loss: windowLoss / Double(max(windowCount, 1)), testNLL: nil, testStandardError: nil, seconds: 0)
    if evaluationDue {
      let samples = isLast ? run.evaluation.finalTestSamples : run.evaluation.testSamples
      guard let nll = evaluate(samples: samples, shouldStop: shouldStop) else { return nil }
      row.testNLL = nll.mean
      row.testStandardError = nll.standardError
      lastEvaluation = nll
    }
    row.seconds = seconds
    metrics.append(row)
    windowLoss = 0
    windowCount = 0
    rowPending = false
    return row
  }
}
