import FlowCore
import Flows
import Foundation

/// The live state of one training process working on a run: the model, optimizer, average,
/// random streams and the loop's bookkeeping, with their checkpointing.
///
/// A checkpoint is taken before every evaluation (and every `checkpoint_every` iterations, and on
/// a stop request); when the iteration's metrics row is still to be made it says so
/// (``TrainingState/RowStatus/pending``), and a resumed process makes that row first. The state an evaluation starts from
/// (power-iteration vectors included, which the evaluation advances) is therefore always on disk,
/// and a process that dies anywhere between the last step and `eval.json` resumes to the same
/// numbers.
final class TrainingSession {
  let run: RunSpec
  let task: TrainingData
  let owner: CheckpointOwner
  let model: SequentialFlow
  /// The classification head of a classifying image model (task classification or hybrid).
  let head: ClassificationHead?
  let parameters: [Parameter]
  let adam: Adam
  let average: ExponentialMovingAverage?
  let binding: TrainingStateBinding
  let store: CheckpointStore
  let metricsPath: String

  var streams: TrainingState.Streams
  var iteration = 0
  var lossWindow = TrainingState.LossWindow()
  var elapsedBefore: Double
  var metrics: [MetricRow] = []
  /// Whether the metrics row of `iteration` (and its evaluation, when due) is still to be made.
  var row = TrainingState.RowStatus.made
  /// The latest test evaluation made by this process.
  var lastEvaluation: NegativeLogLikelihood?
  /// The accuracy of that evaluation (classifying models).
  var lastAccuracy: ClassificationAccuracy?
  let sessionStart = Date()
  var sessionStartIteration = 0

  /// Builds the run's model, optimizer and average from its seed. `directory` is read and
  /// written only by the checkpoint methods (a session used only to step, as
  /// ``StepMeasurement`` uses one, writes nothing).
  /// - Throws: ``TrainingStateError`` when two layers of the model share a name.
  init(run: RunSpec, task: TrainingData, directory: String, specHash: String, elapsedBefore: Double) throws {
    self.run = run
    self.task = task
    owner = CheckpointOwner(run: run.identifier, specHash: specHash)
    var root = RandomStream(seed: run.seed)
    var initialization = root.split()
    let data = root.split()
    streams = TrainingState.Streams(data: data, estimator: root.split())
    model = task.buildModel(run, random: &initialization)
    head = task.buildHead(run, random: &initialization)
    let parameters = model.parameters + (head?.parameters ?? [])
    self.parameters = parameters
    let training = run.training
    adam = Adam(
      parameters: parameters, betas: (Float(training.betas[0]), Float(training.betas[1])), epsilon: Float(training.epsilon),
      weightDecay: training.weightDecay)
    average = training.averageDecay.map { ExponentialMovingAverage(parameters: parameters, decay: Float($0)) }
    binding = try TrainingStateBinding(model: model, head: head, optimizer: adam, average: average)
    store = CheckpointStore(directory: directory)
    metricsPath = directory + "/metrics.csv"
    self.elapsedBefore = elapsedBefore
  }

  /// The columns of `metrics.csv`: with the test accuracy for a classifying model.
  var metricColumns: MetricRow.Columns { head == nil ? .density : .withAccuracy }

  /// Training seconds over every session so far.
  var seconds: Double { elapsedBefore + Date().timeIntervalSince(sessionStart) }

  /// Iterations per second in this process.
  var rate: Double { Double(iteration - sessionStartIteration) / max(Date().timeIntervalSince(sessionStart), 1e-9) }

  // MARK: Checkpoints

  /// Restores the newest checkpoint of this run that fits; files of other runs or configurations,
  /// of another format or that do not fit the model are skipped with a warning (the state is
  /// left untouched by a file that does not fit). Returns whether one was restored.
  func restoreNewest(log: (String) -> Void) -> Bool {
    let owner = self.owner
    let binding = self.binding
    let accept = { (state: TrainingState) throws in
      try state.check(owner: owner)
      try binding.restore(state, weights: .trained)
    }
    guard let state = store.loadNewest(accepting: accept, warn: log) else { return false }
    iteration = state.iteration
    sessionStartIteration = iteration
    streams = state.streams
    lossWindow = state.lossWindow
    elapsedBefore = state.elapsedSeconds
    row = state.row
    metrics = Array(MetricRow.read(path: metricsPath).prefix(state.metricRows)).filter { $0.iteration <= iteration }
    return true
  }

  /// The state after `iteration`; `row` says whether that iteration's metrics row is still to be
  /// made.
  func capture(row: TrainingState.RowStatus) -> TrainingState {
    TrainingState(
      owner: owner, iteration: iteration, parameters: binding.parameterStates(), adamStep: adam.step, streams: streams,
      powerIterations: binding.powerIterationStates(), actNorms: binding.actNormStates(), lossWindow: lossWindow, elapsedSeconds: seconds,
      row: row, metricRows: metrics.count)
  }

  /// Saves the state after `iteration` (see ``capture(row:)``); the metrics rows made so far are
  /// written first.
  func saveCheckpoint(row: TrainingState.RowStatus) throws {
    try MetricRow.write(metrics, path: metricsPath, columns: metricColumns)
    try store.save(capture(row: row))
  }

  // MARK: Training and evaluation

  /// One training step; returns the loss (not finite: nothing was updated).
  func step() -> Double {
    var (data, estimator) = (streams.data, streams.estimator)
    let loss = RunTrainer.step(
      run: run, task: task, model: model, head: head, parameters: parameters, adam: adam, average: average, iteration: iteration, data: &data,
      estimator: &estimator)
    streams = TrainingState.Streams(data: data, estimator: estimator)
    guard loss.isFinite else { return loss }
    iteration += 1
    lossWindow.sum += loss
    lossWindow.count += 1
    return loss
  }

  /// The test NLL on `samples` test points or images (and the accuracy of a classifying model,
  /// whose NLL is bits/dim for hybrid and the label cross-entropy for a classifier); nil when
  /// `shouldStop` asked to stop part-way (checked between chunks). As the reference's
  /// `train_img.py`: when the run keeps an average, its weights are swapped in first, then the
  /// evaluation power iterations run on the weights actually evaluated (so σ is that of the
  /// averaged weights), then the test; the training weights come back afterwards and keep the
  /// singular vectors the evaluation left.
  func evaluate(samples: Int, shouldStop: () -> Bool) -> (NegativeLogLikelihood, ClassificationAccuracy?)? {
    withoutActuallyEscaping(shouldStop) { shouldStop in
      let body = { () -> (NegativeLogLikelihood, ClassificationAccuracy?)? in
        self.model.updateSpectralNorms(self.run.model.evaluationPowerIterations)
        let testSeed = self.run.evaluation.testSeed
        if let head = self.head, case .images(let images) = self.task {
          return images.testEvaluation(of: self.model, head: head, task: self.run.data.task, count: samples, testSeed: testSeed, shouldStop: shouldStop)
            .map { ($0.negativeLogLikelihood, $0.accuracy) }
        }
        return self.task.testNegativeLogLikelihood(of: self.model, samples: samples, testSeed: testSeed, shouldStop: shouldStop).map { ($0, nil) }
      }
      return average.map { $0.withAveragedParameters(body) } ?? body()
    }
  }

  /// Makes the metrics row of the current iteration (with a test evaluation when due; the final
  /// one on the final test samples) and appends it. Returns nil when stopped during the evaluation.
  func makeRow(evaluationDue: Bool, isLast: Bool, shouldStop: () -> Bool) -> MetricRow? {
    var row = MetricRow(iteration: iteration, loss: lossWindow.mean, testNLL: nil, testStandardError: nil, seconds: 0)
    if evaluationDue {
      let samples = isLast ? run.evaluation.finalTestSamples : run.evaluation.testSamples
      guard let (nll, accuracy) = evaluate(samples: samples, shouldStop: shouldStop) else { return nil }
      row.testNLL = nll.mean
      row.testStandardError = nll.standardError
      row.testAccuracy = accuracy?.fraction
      lastEvaluation = nll
      lastAccuracy = accuracy
    }
    row.seconds = seconds
    metrics.append(row)
    lossWindow = TrainingState.LossWindow()
    self.row = .made
    return row
  }
}
