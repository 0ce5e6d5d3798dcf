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
  /// The resolved configuration tree.
  let resolvedNode: Node

  /// The top-level keys of a run configuration, which sweep axes may start with.
  public static let keys = ["seed", "model", "data", "training", "evaluation"]

  /// Reads a run configuration tree strictly; the model must have at most
  /// ``SpecLimits/maximumParameters`` parameters and the training at most
  /// ``SpecLimits/maximumIterations`` iterations. Sections that `sections` already read for
  /// another point of the same row and column (those no sweep axis changes) are taken from it,
  /// and an unswept model is the one `budgetTargets` read for this column.
  init(
    identifier: String, modelName: String, datasetName: String, assignments: [SpecOverride], node: SpecNode,
    budgetTargets: [String: ModelSpec], sections: RunSections
  ) throws {
    let mapping = try node.mapping(allowedKeys: RunSpec.keys)
    self.identifier = identifier
    self.modelName = modelName
    self.datasetName = datasetName
    self.assignments = assignments
    seed = UInt64(try mapping.required("seed").integer(in: 0...Int.max))
    let data = try sections.read(["data"]) { try DatasetSpec(name: datasetName, node: try mapping.required("data")) }
    self.data = data
    training = try sections.read(["training", "data"]) { try RunSpec.resolvedTraining(mapping, data: data) }
    evaluation = try sections.read(["evaluation"]) { try EvaluationSpec(node: try mapping.required("evaluation")) }
    let (model, budgetMatch) = try sections.read(["model", "data"]) {
      let read = sections.isSwept("model") ? nil : budgetTargets[modelName]
      return try RunSpec.resolvedModel(modelName, mapping, read: read, data: data, budgetTargets: budgetTargets, counts: sections.counts)
    }
    (self.model, self.budgetMatch) = (model, budgetMatch)
    if let budgetMatch {
      resolvedNode = try SpecNode(node: node.node, keyPath: "", file: node.file)
        .applying(SpecOverride(path: ["model", "growth"], value: Node(String(budgetMatch.growth)))).node
    } else {
      resolvedNode = node.node
    }
  }

  /// The training block, with iterations resolved from epochs on image data.
  static func resolvedTraining(_ mapping: SpecMapping, data: DatasetSpec) throws -> TrainingSpec {
    var training = try TrainingSpec(node: try mapping.required("training"))
    guard let epochs = training.epochs else { return training }
    let epochsNode = try mapping.required("training").mapping(allowedKeys: TrainingSpec.keys).required("epochs")
    guard data.kind != .toy else { throw epochsNode.error("'epochs' applies only to image data; toy data is sampled fresh, give iterations") }
    let perEpoch = max(data.kind.trainingImages / training.batchSize, 1)
    let iterations = (epochs * Double(perEpoch)).rounded()
    guard iterations <= Double(SpecLimits.maximumIterations) else {
      throw epochsNode.error(
        "\(try epochsNode.string()) epochs are more than \(SpecLimits.maximumIterations) iterations at batch size \(training.batchSize) "
          + "on \(data.name); allowed: at most \(SpecLimits.maximumIterations) iterations")
    }
    training.iterations = max(Int(iterations), 1)
    return training
  }

  /// The model (`read` when it was already read from the same tree, else read here), its growth
  /// matched to another model's budget when asked, checked for size.
  static func resolvedModel(
    _ name: String, _ mapping: SpecMapping, read: ModelSpec?, data: DatasetSpec, budgetTargets: [String: ModelSpec], counts: ParameterCounts
  ) throws -> (ModelSpec, BudgetMatch?) {
    let modelNode = try mapping.required("model")
    var model = try read ?? ModelSpec(name: name, node: modelNode)
    try model.checkNorms(on: data, at: modelNode)
    var budgetMatch: BudgetMatch?
    if case .matchingBudget(let targetName) = model.growth {
      let growthNode = try modelNode.mapping(allowedKeys: ModelSpec.keys).required("growth")
      guard let target = budgetTargets[targetName] else {
        throw growthNode.error("'\(targetName)' is not a model of this spec; models: \(budgetTargets.keys.sorted().joined(separator: ", "))")
      }
      guard target.fixedGrowth != nil || target.family != .idensenet else {
        throw growthNode.error("model '\(targetName)' has a matched growth itself; match a model with a fixed size")
      }
      let targetCount = try target.checkedParameterCount(for: data, at: growthNode, counts: counts)
      let (matched, count) = model.matchingBudget(targetCount, data: data, counts: counts)
      model = matched
      budgetMatch = BudgetMatch(model: targetName, targetParameters: targetCount, parameters: count, growth: matched.fixedGrowth ?? 0)
    }
    _ = try model.checkedParameterCount(for: data, at: modelNode, counts: counts)
    return (model, budgetMatch)
  }

  /// The resolved configuration as YAML (what `spec.yaml` holds), serialized when asked for.
  public var resolvedYAML: String { (try? Yams.serialize(node: resolvedNode)) ?? "" }

  /// The parameter count of the model on this run's data (with its classification head, if any).
  public var parameterCount: Int { model.parameterCount(for: data) + model.headParameterCount(for: data) }

  /// Training iterations per epoch of an image run (the last incomplete batch is dropped), nil for toy data.
  public var iterationsPerEpoch: Int? {
    data.kind == .toy ? nil : max(data.kind.trainingImages / training.batchSize, 1)
  }
}
