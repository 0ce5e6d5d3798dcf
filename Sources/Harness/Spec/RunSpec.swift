import Yams

/// One run: a model trained on a dataset at one sweep point, fully resolved.
///
/// Its configuration is a YAML tree of its own (`seed`, `model`, `data`, `training`,
/// `evaluation`), built from the spec's definitions; sweep axes are key paths into this tree
/// (`model.depth`, `seed`), and the tree is what `spec.yaml` of the run directory records.
public struct RunSpec {
  /// A stable identifier, also the run directory's name: `idensenet-moons` or
  /// `idensenet-moons-model.depth=3-seed=1`.
  public let identifier: String
  /// The row (model definition name).
  public let modelName: String
  /// The column (dataset definition name).
  public let datasetName: String
  /// The sweep coordinates of this run, in axis order.
  public let assignments: [SpecOverride]
  /// The seed of model initialisation, training data and estimator draws.
  public let seed: UInt64
  /// The model, with any budget-matched growth resolved.
  public let model: ModelSpec
  /// The data.
  public let data: DatasetSpec
  /// The training settings.
  public let training: TrainingSpec
  /// The evaluation settings.
  public let evaluation: EvaluationSpec
  /// How the growth was chosen, when it was matched to another model's budget.
  public internal(set) var budgetMatch: BudgetMatch?
  /// The resolved configuration as YAML (what `spec.yaml` holds).
  public let resolvedYAML: String

  /// The top-level keys of a run configuration, which sweep axes may start with.
  public static let keys = ["seed", "model", "data", "training", "evaluation"]

  /// Reads a run configuration tree strictly.
  init(
    identifier: String, modelName: String, datasetName: String, assignments: [SpecOverride], node: SpecNode,
    budgetTargets: [String: ModelSpec]
  ) throws {
    let mapping = try node.mapping(allowedKeys: RunSpec.keys)
    self.identifier = identifier
    self.modelName = modelName
    self.datasetName = datasetName
    self.assignments = assignments
    seed = UInt64(try mapping.required("seed").integer(in: 0...Int.max))
    var model = try ModelSpec(name: modelName, node: try mapping.required("model"))
    data = try DatasetSpec(name: datasetName, node: try mapping.required("data"))
    var training = try TrainingSpec(node: try mapping.required("training"))
    if data.kind == .toy {
      if training.epochs != nil {
        throw try mapping.required("training").mapping(allowedKeys: TrainingSpec.keys).required("epochs")
          .error("'epochs' applies only to image data; toy data is sampled fresh, give iterations")
      }
    } else if let epochs = training.epochs {
      let perEpoch = max(data.kind.trainingImages / training.batchSize, 1)
      training.iterations = max(Int((epochs * Double(perEpoch)).rounded()), 1)
    }
    self.training = training
    evaluation = try EvaluationSpec(node: try mapping.required("evaluation"))
    var resolvedNode = node.node
    if case .matchingBudget(let targetName) = model.growth {
      let growthNode = try mapping.required("model").mapping(allowedKeys: ModelSpec.keys).required("growth")
      guard let target = budgetTargets[targetName] else {
        throw growthNode.error("'\(targetName)' is not a model of this spec; models: \(budgetTargets.keys.sorted().joined(separator: ", "))")
      }
      guard target.fixedGrowth != nil || target.family != .idensenet else {
        throw growthNode.error("model '\(targetName)' has a matched growth itself; match a model with a fixed size")
      }
      do {
        let targetCount = target.parameterCount(for: data)
        let (matched, count) = model.matchingBudget(targetCount, data: data)
        model = matched
        budgetMatch = BudgetMatch(model: targetName, targetParameters: targetCount, parameters: count, growth: matched.fixedGrowth ?? 0)
        resolvedNode = try SpecNode(node: resolvedNode, keyPath: "", file: node.file)
          .applying(SpecOverride(path: ["model", "growth"], value: Node(String(matched.fixedGrowth ?? 0)))).node
      }
    } else {
      budgetMatch = nil
    }
    self.model = model
    resolvedYAML = (try? Yams.serialize(node: resolvedNode)) ?? ""
  }

  /// The parameter count of the model on this run's data.
  public var parameterCount: Int { model.parameterCount(for: data) }

  /// Training iterations per epoch of an image run (the last incomplete batch is dropped), nil for toy data.
  public var iterationsPerEpoch: Int? {
    data.kind == .toy ? nil : max(data.kind.trainingImages / training.batchSize, 1)
  }
}

/// An i-DenseNet growth chosen to match another model's parameter count.
public struct BudgetMatch: Sendable, Equatable, Codable {
  /// The model whose budget was matched.
  public let model: String
  /// Its parameter count.
  public let targetParameters: Int
  /// The count at the chosen growth.
  public let parameters: Int
  /// The chosen growth.
  public let growth: Int
}
