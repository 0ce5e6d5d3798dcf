import FlowCore

/// How a model is trained (spec key `training`).
///
/// ```yaml
/// training:
///   iterations: 50000       # or, on image data, epochs: 200 (which then wins)
///   batch_size: 500
///   optimizer: {name: adam, learning_rate: 1.0e-3, betas: [0.9, 0.999], epsilon: 1.0e-8}
///   warmup_iterations: 0
///   gradient_clipping: none     # or a maximum global norm, e.g. 1.0
///   ema: none                   # or a decay, e.g. 0.999
///   checkpoint_every: 500
///   log_every: 100
///   gemm: simd                  # or openblas: which library computes the matrix products
/// ```
public struct TrainingSpec: Equatable, Sendable {
  /// Optimizer steps (on image data with `epochs`: resolved from them by ``RunSpec``).
  public var iterations: Int
  /// Passes over the training images (image data only; fractions allowed), nil when given in iterations.
  public var epochs: Double?
  /// Samples per step.
  public var batchSize: Int
  /// Adam's learning rate.
  public var learningRate: Double
  /// Adam's (β₁, β₂).
  public var betas: [Double]
  /// Adam's ε.
  public var epsilon: Double
  /// Weight decay (the reference's is a no-op, hence none by default).
  public var weightDecay: WeightDecay
  /// Linear warmup length (0: constant rate).
  public var warmupIterations: Int
  /// Maximum global gradient norm, nil for none.
  public var gradientClipping: Double?
  /// EMA decay used for evaluation, nil for none.
  public var averageDecay: Double?
  /// Iterations between checkpoints.
  public var checkpointEvery: Int
  /// Iterations between loss lines in `metrics.csv`.
  public var logEvery: Int
  /// What computes the matrix products (and the convolutions made of them) in training and
  /// evaluation: `simd` (this package's kernel, the default) or `openblas`. The two sum in
  /// different orders, so they give different bits (each the same for every thread count;
  /// OpenBLAS picks its kernels for the CPU, so its bits may differ on another machine, and a
  /// run resumed there may not continue bit for bit); which is faster depends on the machine
  /// (`make bench` prints both).
  public var gemm: GemmBackend

  /// The keys allowed under `training`.
  public static let keys = [
    "iterations", "epochs", "batch_size", "optimizer", "warmup_iterations", "gradient_clipping", "ema", "checkpoint_every", "log_every",
    "gemm",
  ]

  /// Reads the training block strictly.
  public init(node: SpecNode) throws {
    let mapping = try node.mapping(allowedKeys: TrainingSpec.keys)
    epochs = try mapping.optional("epochs")?.number(allowed: "> 0") { $0 > 0 }
    if epochs == nil {
      iterations = try mapping.required("iterations").integer(in: 1...100_000_000)
    } else {
      iterations = try mapping.optional("iterations")?.integer(in: 1...100_000_000) ?? 0
    }
    batchSize = try mapping.required("batch_size").integer(in: 1...1_000_000)
    let optimizer = try mapping.required("optimizer").mapping(allowedKeys: ["name", "learning_rate", "betas", "epsilon", "weight_decay", "decay_style"])
    _ = try optimizer.required("name").choice(OptimizerName.self)
    learningRate = try optimizer.required("learning_rate").number(allowed: "> 0") { $0 > 0 }
    if let node = optimizer.optional("betas") {
      let items = try node.sequence()
      guard items.count == 2 else { throw node.error("expected two numbers [β₁, β₂], found \(items.count)") }
      betas = try items.map { try $0.number(allowed: "in [0, 1)") { $0 >= 0 && $0 < 1 } }
    } else {
      betas = [0.9, 0.999]
    }
    epsilon = try optimizer.optional("epsilon")?.number(allowed: "> 0") { $0 > 0 } ?? 1e-8
    let decay = try optimizer.optional("weight_decay")?.number(allowed: "≥ 0") { $0 >= 0 } ?? 0
    let style = try optimizer.optional("decay_style")?.choice(DecayStyle.self) ?? .l2
    weightDecay = decay == 0 ? .none : (style == .l2 ? .l2(Float(decay)) : .decoupled(Float(decay)))
    warmupIterations = try mapping.optional("warmup_iterations")?.integer(in: 0...Int.max) ?? 0
    gradientClipping = try TrainingSpec.optionalNumber(mapping.optional("gradient_clipping"), allowed: "none or a norm > 0") { $0 > 0 }
    averageDecay = try TrainingSpec.optionalNumber(mapping.optional("ema"), allowed: "none or a decay in (0, 1)") { $0 > 0 && $0 < 1 }
    checkpointEvery = try mapping.optional("checkpoint_every")?.integer(in: 1...Int.max) ?? 500
    logEvery = try mapping.optional("log_every")?.integer(in: 1...Int.max) ?? 100
    gemm = try mapping.optional("gemm")?.choice(GemmBackend.self) ?? .simd
  }

  /// `none` (or absent) as nil, otherwise a number satisfying `condition`.
  static func optionalNumber(_ node: SpecNode?, allowed: String, where condition: (Double) -> Bool) throws -> Double? {
    guard let node else { return nil }
    if case .scalar(let scalar) = node.node, ["none", "null", "~", ""].contains(scalar.string.lowercased()) { return nil }
    return try node.number(allowed: allowed, where: condition)
  }

  /// The learning-rate schedule.
  public var schedule: LearningRateSchedule {
    warmupIterations > 0 ? .linearWarmup(Float(learningRate), warmupIterations: warmupIterations) : .constant(Float(learningRate))
  }
}

extension TrainingSpec {
  /// `training.optimizer.name` values.
  enum OptimizerName: String, CaseIterable {
    case adam
  }

  /// `training.optimizer.decay_style` values.
  enum DecayStyle: String, CaseIterable {
    case l2
    case decoupled
  }
}
