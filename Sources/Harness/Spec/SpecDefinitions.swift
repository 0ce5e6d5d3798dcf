import Yams

/// The definitions a plan's runs are built from: `seed`, `models`, `datasets`, `training` and
/// `evaluation` of the spec after the file-level overrides (``OverrideLayer/commandLine``), each
/// read strictly once, in that order.
struct SpecDefinitions {
  /// `seed` (0 when absent), `training` and `evaluation`.
  let seed: Node, training: Node, evaluation: Node
  /// `models` and `datasets`, by name.
  let models: SpecMapping, datasets: SpecMapping
  /// The names of the models and of the datasets, in file order.
  let modelNames: [String], datasetNames: [String]
  /// The model definitions as written (before image and dataset overlays), in file order.
  let modelSpecs: [ModelSpec]
  /// The dataset definitions, in file order.
  let datasetSpecs: [DatasetSpec]
  /// The dataset definitions, by name.
  let datasetsByName: [String: DatasetSpec]

  /// Reads the definitions of the spec `mapping`.
  init(_ mapping: SpecMapping) throws {
    let seedNode = mapping.optional("seed")
    _ = try seedNode?.integer(in: 0...Int.max)
    seed = seedNode?.node ?? Node("0")
    let modelsNode = try mapping.required("models")
    let modelNames = try SpecDefinitions.names(modelsNode, what: "model")
    let models = try modelsNode.mapping(allowedKeys: modelNames)
    (self.modelNames, self.models) = (modelNames, models)
    modelSpecs = try modelNames.map { try ModelSpec(name: $0, node: try models.required($0)) }
    let datasetsNode = try mapping.required("datasets")
    let datasetNames = try SpecDefinitions.names(datasetsNode, what: "dataset")
    let datasets = try datasetsNode.mapping(allowedKeys: datasetNames)
    let datasetSpecs = try datasetNames.map { try DatasetSpec(name: $0, node: try datasets.required($0)) }
    (self.datasetNames, self.datasets, self.datasetSpecs) = (datasetNames, datasets, datasetSpecs)
    datasetsByName = Dictionary(uniqueKeysWithValues: datasetSpecs.map { ($0.name, $0) })
    let trainingNode = try mapping.required("training")
    _ = try TrainingSpec(node: trainingNode)
    training = trainingNode.node
    let evaluationNode = try mapping.required("evaluation")
    _ = try EvaluationSpec(node: evaluationNode)
    evaluation = evaluationNode.node
  }

  /// The names under `models` or `datasets`: letters, digits, - and _ (no dots), at most
  /// ``SpecLimits/maximumNameBytes`` bytes.
  static func names(_ node: SpecNode, what: String) throws -> [String] {
    guard case .mapping(let entries) = node.node, !entries.isEmpty else { throw node.error("expected a mapping of \(what) names to definitions") }
    return try entries.map { key, _ in
      let name = key.scalar?.string ?? ""
      try PathComponent.validate(
        name, what: "\(what) name", at: SpecNode(node: key, keyPath: node.keyPath, file: node.file),
        allowed: "1 to \(SpecLimits.maximumNameBytes) bytes of letters, digits, - and _", characters: { $0.isLetter || $0.isNumber || "-_".contains($0) })
      return name
    }
  }

  /// The model of `row` on `column` before any sweep (layers ``OverrideLayer/imageOverlay`` and
  /// ``OverrideLayer/datasetOverlays``): on image data `models.<row>.image` over the model's own
  /// keys, then `datasets.<column>.model` over that; the model's `sweep` block removed.
  func modelNode(row: String, column: String) throws -> Node {
    let dataNode = try datasets.required(column).node
    var node = try models.required(row).node
    if datasetsByName[column]?.kind != .toy, let image = node.value(forKey: "image") { node = node.overlaid(with: image) }
    node = node.removingKeys(["image", "sweep"])
    if let columnModel = dataNode.value(forKey: "model") { node = node.overlaid(with: columnModel) }
    return node
  }

  /// The configuration tree of `row` on `column` before sweep assignments: the model as
  /// ``modelNode(row:column:)``, and `datasets.<column>`'s `training` and `evaluation` over the
  /// top-level blocks.
  func runTree(row: String, column: String) throws -> Node {
    let dataNode = try datasets.required(column).node
    return Node.mapping(Node.Mapping([
      (Node("seed"), seed), (Node("model"), try modelNode(row: row, column: column)),
      (Node("data"), dataNode.removingKeys(["model", "training", "evaluation"])),
      (Node("training"), dataNode.value(forKey: "training").map { training.overlaid(with: $0) } ?? training),
      (Node("evaluation"), dataNode.value(forKey: "evaluation").map { evaluation.overlaid(with: $0) } ?? evaluation),
    ]))
  }
}
