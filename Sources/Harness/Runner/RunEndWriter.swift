import Flows
import Foundation

/// What a run leaves when its last iteration and evaluation are done: figures (when asked for),
/// `metrics.csv`, `eval.json` and the completed manifest.
struct RunEndWriter {
  /// The run.
  let run: RunSpec
  /// Its directory.
  let directory: String
  /// Figures or not.
  let figures: FigureOutput

  /// Writes everything and records the run as completed (or failed, when the final evaluation is
  /// missing).
  func finish(_ session: TrainingSession, manifest: inout RunManifestWriter) throws -> TrainingOutcome {
    guard let nll = session.lastEvaluation else {
      return try manifest.failed("internal: the final evaluation is missing", seconds: session.seconds)
    }
    let notes = try drawFigures(session)
    let evaluation = self.evaluation(session, nll: nll)
    try MetricRow.write(session.metrics, path: session.metricsPath, columns: session.metricColumns)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(try encoder.encode(evaluation), to: directory + "/eval.json")
    return try manifest.completed(evaluation, iterations: session.iteration, seconds: session.seconds, notes: notes)
  }

  /// The numbers of `eval.json`.
  func evaluation(_ session: TrainingSession, nll: NegativeLogLikelihood) -> RunEvaluation {
    let weights = ToyFigures.concatenationWeights(of: session.model)
    var evaluation = RunEvaluation(
      run: run.identifier, model: run.modelName, dataset: run.datasetName, iterations: session.iteration, testNLL: nll.mean,
      testStandardError: nll.standardError, unit: run.data.task == .classification ? nll.unit : run.data.unit, testSamples: nll.samples, testSeed: run.evaluation.testSeed,
      entropy: session.task.entropy, concatenationWeights: weights.isEmpty ? nil : weights.map { $0.map { [Double($0.0), Double($0.1)] } },
      parameters: session.parameters.reduce(0) { $0 + $1.count })
    if let accuracy = session.lastAccuracy {
      evaluation.task = run.data.task.rawValue
      evaluation.densityWeight = run.data.task == .hybrid ? run.data.densityWeight : nil
      evaluation.testAccuracy = accuracy.fraction
      evaluation.testAccuracyStandardError = accuracy.standardError
      evaluation.testCrossEntropy = accuracy.crossEntropy.mean
    }
    if let perEpoch = run.iterationsPerEpoch {
      evaluation.epochs = Double(session.iteration) / Double(perEpoch)
      evaluation.dataPath = run.data.resolvedPath()
    }
    return evaluation
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
}
