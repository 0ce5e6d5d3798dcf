import FlowCore

/// Everything a training run needs to continue bit for bit, typed: the parameters with their Adam
/// moments and averages, the power-iteration vectors and ActNorm state of every layer by name, the
/// random streams and the loop's bookkeeping. ``TrainingStateBinding`` captures it from a live
/// model and restores it into one; ``encoded()`` and ``init(decoding:path:)`` write and read the
/// checkpoint file (see ``Checkpoint``).
public struct TrainingState: Equatable, Sendable {
  /// The random streams split off the run's seed that training keeps drawing from.
  public struct Streams: Equatable, Sendable {
    /// Batches (toy samples, dequantisation noise, epoch order).
    public var data: RandomStream
    /// The log-determinant estimator's noise.
    public var estimator: RandomStream

    /// Creates the pair.
    public init(data: RandomStream, estimator: RandomStream) {
      self.data = data
      self.estimator = estimator
    }
  }

  /// The training losses since the last metrics row.
  public struct LossWindow: Codable, Equatable, Sendable {
    /// Their sum.
    public var sum: Double
    /// How many.
    public var count: Int

    /// Creates a window.
    public init(sum: Double = 0, count: Int = 0) {
      self.sum = sum
      self.count = count
    }

    /// The mean loss (the sum itself over an empty window, as one of size 1).
    public var mean: Double { sum / Double(max(count, 1)) }
  }

  /// Whether the metrics row of ``iteration`` (and its evaluation, when due) is made yet.
  public enum RowStatus: String, Codable, Sendable {
    /// Still to be made: a resumed process makes it first.
    case pending
    /// Made (or not due).
    case made
  }

  /// The run and resolved configuration the state belongs to.
  public var owner: CheckpointOwner
  /// Iterations completed.
  public var iteration: Int
  /// Every parameter, in the model's order.
  public var parameters: [ParameterState]
  /// Adam's step count.
  public var adamStep: Int
  /// The data and estimator streams.
  public var streams: Streams
  /// Every Lipschitz layer's power-iteration vectors, in the model's order.
  public var powerIterations: [PowerIterationState]
  /// Every ActNorm layer's initialisation, in the model's order.
  public var actNorms: [ActNormState]
  /// The losses since the last metrics row.
  public var lossWindow: LossWindow
  /// Training seconds over every session so far.
  public var elapsedSeconds: Double
  /// Whether the row of ``iteration`` is still to be made.
  public var row: RowStatus
  /// How many rows of `metrics.csv` belong to this state.
  public var metricRows: Int

  /// Creates a state.
  public init(
    owner: CheckpointOwner, iteration: Int, parameters: [ParameterState], adamStep: Int, streams: Streams,
    powerIterations: [PowerIterationState], actNorms: [ActNormState], lossWindow: LossWindow, elapsedSeconds: Double, row: RowStatus,
    metricRows: Int
  ) {
    self.owner = owner
    self.iteration = iteration
    self.parameters = parameters
    self.adamStep = adamStep
    self.streams = streams
    self.powerIterations = powerIterations
    self.actNorms = actNorms
    self.lossWindow = lossWindow
    self.elapsedSeconds = elapsedSeconds
    self.row = row
    self.metricRows = metricRows
  }

  /// Checks that the state belongs to `expected`.
  /// - Throws: ``TrainingStateError/otherOwner(found:expected:)``.
  public func check(owner expected: CheckpointOwner) throws(TrainingStateError) {
    guard owner == expected else { throw .otherOwner(found: owner, expected: expected) }
  }
}
