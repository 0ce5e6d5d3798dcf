import FlowCore
import Flows
import Foundation

/// The model a run trained, rebuilt from its spec and its run directory's newest checkpoint (for
/// `lipflow export`, `evaluate` and `sample`).
public enum TrainedModel {
  /// The untrained model of `run`: the toy flow on 2-D points, or the multi-scale image flow for the
  /// dataset's image size. `evaluationEstimator` replaces an image model's evaluation estimator
  /// (`.exactJacobian` for exact log-densities); toy models evaluate exactly (2×2) anyway.
  public static func build(_ run: RunSpec, evaluationEstimator: LogDeterminantEstimator? = nil) -> SequentialFlow {
    var random = RandomStream(seed: run.seed)
    var initialization = random.split()
    guard let geometry = run.data.kind.geometry else { return run.model.build(dimension: 2, random: &initialization) }
    return run.model.build(image: geometry, logitAlpha: run.data.logitAlpha, evaluationEstimator: evaluationEstimator, random: &initialization)
  }

  /// Puts the newest usable checkpoint of the run directory `directory` into `model` (built by
  /// ``build(_:evaluationEstimator:)`` for `run`): the averaged (EMA) weights when the run keeps an
  /// average and `averaged` is true, else the raw ones, the power-iteration vectors and the
  /// ActNorm state. Checkpoints of another run or configuration are skipped, as when resuming;
  /// `warn` hears why. Returns the checkpoint's iteration.
  /// - Throws: ``HarnessError/io(path:reason:)`` when the directory holds no usable checkpoint.
  @discardableResult
  public static func load(
    _ run: RunSpec, directory: String, into model: SequentialFlow, averaged: Bool = true, warn: (String) -> Void = { _ in }
  ) throws -> Int {
    let owner = CheckpointOwner(run: run.identifier, specHash: Provenance.hash(run.resolvedYAML))
    let parameters = model.parameters
    let layers = model.lipschitzLayers
    let useAverage = averaged && run.training.averageDecay != nil
    let checkpoint = CheckpointStore(directory: directory).loadNewest(
      accepting: { checkpoint in
        guard checkpoint.owner == owner else {
          throw LipschitzStateError(description: "it belongs to \(checkpoint.owner.map(\.description) ?? "no run"), not to \(owner)")
        }
        var byName: [String: Tensor] = [:]
        for (name, tensor) in checkpoint.tensors { byName[name] = tensor }
        let prefix = useAverage ? "ema/" : "parameter/"
        let values = try parameters.map { parameter -> Tensor in
          guard let value = byName[prefix + parameter.name], value.shape == parameter.value.shape else {
            throw LipschitzStateError(description: "\(prefix)\(parameter.name) is missing or has another shape than \(parameter.value.shape)")
          }
          return value
        }
        let before = layers.map(\.singularVectors)
        do {
          for (index, layer) in layers.enumerated() { try layer.restoreSingularVectors(checkpoint.tensors(withPrefix: "power/\(index)/")) }
        } catch {
          for (layer, vectors) in zip(layers, before) { try? layer.restoreSingularVectors(vectors) }
          throw error
        }
        for (parameter, value) in zip(parameters, values) { parameter.value = value }
        let initialized = (checkpoint.integers["actnormInitialized"] ?? 0) != 0
        for case let normalization as ActNorm in model.flows { normalization.isInitialized = initialized }
      }, warn: warn)
    guard let checkpoint else {
      throw HarnessError.io(path: directory, reason: "no usable checkpoint of run \(run.identifier) (train it first with lipflow run … --only \(run.identifier))")
    }
    return checkpoint.iteration
  }
}
