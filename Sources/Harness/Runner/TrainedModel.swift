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
  /// ``build(_:evaluationEstimator:)`` for `run`): the averaged (EMA) weights when `weights` is
  /// ``WeightSource/averaged`` and the run keeps an average, else the trained ones, the
  /// power-iteration vectors and the ActNorm state. Checkpoints of another run or configuration are skipped, as when resuming;
  /// `warn` hears why. Returns the checkpoint's iteration.
  /// - Throws: ``HarnessError/io(path:reason:)`` when the directory holds no usable checkpoint,
  ///   ``TrainingStateError`` when two layers of `model` share a name.
  @discardableResult
  public static func load(
    _ run: RunSpec, directory: String, into model: SequentialFlow, weights preferred: WeightSource = .averaged, warn: (String) -> Void = { _ in }
  ) throws -> Int {
    let owner = CheckpointOwner(run: run.identifier, specHash: Provenance.hash(run.resolvedYAML))
    // A classifying model's checkpoint also holds its head; bind one so the state fits (the
    // commands that load models use the flow only).
    var headRandom = RandomStream(seed: run.seed)
    let head = run.model.buildHead(for: run.data, random: &headRandom)
    let binding = try TrainingStateBinding(model: model, head: head, optimizer: nil, average: nil)
    let source: WeightSource = preferred == .averaged && run.training.averageDecay != nil ? .averaged : .trained
    let checkpoint = CheckpointStore(directory: directory).loadNewest(
      accepting: { state in
        try state.check(owner: owner)
        try binding.restore(state, weights: source)
      }, warn: warn)
    guard let checkpoint else {
      throw HarnessError.io(path: directory, reason: "no usable checkpoint of run \(run.identifier) (train it first with lipflow run … --only \(run.identifier))")
    }
    return checkpoint.iteration
  }
}
