import Yams

/// The runs of a plan: rows × columns × sweep points, in that nesting order, each read strictly,
/// with identifiers that are distinct, usable directory names.
struct RunExpansion {
  /// The runs.
  private(set) var runs: [RunSpec] = []

  /// The definitions the runs are built from.
  struct Definitions {
    /// `seed`, `training` and `evaluation` of the spec (after overrides).
    let seed: Node, training: Node, evaluation: Node
    /// `models` and `datasets`, by name.
    let models: SpecMapping, datasets: SpecMapping
    /// The dataset definitions read, by name.
    let datasetSpecs: [String: DatasetSpec]
    /// The names of all models, in file order.
    let modelNames: [String]
  }

  /// Expands `table` × `sweep` over `definitions`; `tableNode` locates errors about rows and columns.
  init(_ definitions: Definitions, table: TableSpec, tableNode: SpecNode, sweep: SweepReader) throws {
    let counts = ParameterCounts()
    var targetsByColumn: [String: [String: ModelSpec]] = [:]
    for column in table.columns {
      targetsByColumn[column] = try RunExpansion.targets(definitions, column: column, counts: counts)
    }
    let points = SweepExpansion.expand(sweep.axes)
    var identifiers = IdentifierRegister(table: tableNode, sweep: sweep)
    for row in table.rows {
      for column in table.columns {
        let base = SpecNode(node: try RunExpansion.tree(definitions, row: row, column: column), keyPath: "", file: tableNode.file)
        let sections = RunSections(axes: sweep.axes, counts: counts)
        for point in points {
          let identifier = ([row, column] + point.assignments.map { SweepExpansion.slug($0.description) }).joined(separator: "-")
          try identifiers.register(identifier, row: row, column: column, assignments: point.assignments)
          runs.append(try RunSpec(
            identifier: identifier, modelName: row, datasetName: column, assignments: point.assignments,
            node: try base.applying(point.assignments), budgetTargets: targetsByColumn[column] ?? [:], sections: sections))
        }
      }
    }
  }

  /// Every model as it is on `column`, those of fixed size checked for size (budget targets).
  static func targets(_ definitions: Definitions, column: String, counts: ParameterCounts) throws -> [String: ModelSpec] {
    var targets: [String: ModelSpec] = [:]
    for name in definitions.modelNames {
      let node = SpecNode(node: try modelNode(definitions, row: name, column: column), keyPath: "models.\(name)", file: definitions.models.owner.file)
      let model = try ModelSpec(name: name, node: node)
      if let data = definitions.datasetSpecs[column], model.fixedGrowth != nil {
        _ = try model.checkedParameterCount(for: data, at: node, counts: counts)
      }
      targets[name] = model
    }
    return targets
  }

  /// The model of `row` on `column`: on image data `models.<row>.image` over the model's own
  /// keys, then `datasets.<column>.model` over that.
  static func modelNode(_ definitions: Definitions, row: String, column: String) throws -> Node {
    let dataNode = try definitions.datasets.required(column).node
    var node = try definitions.models.required(row).node
    if definitions.datasetSpecs[column]?.kind != .toy, let image = node.value(forKey: "image") { node = node.overlaid(with: image) }
    node = node.removingKeys(["image"])
    if let columnModel = dataNode.value(forKey: "model") { node = node.overlaid(with: columnModel) }
    return node
  }

  /// The configuration tree of `row` on `column` before sweep assignments: `datasets.<column>`'s
  /// `training` and `evaluation` over the top-level blocks.
  static func tree(_ definitions: Definitions, row: String, column: String) throws -> Node {
    let dataNode = try definitions.datasets.required(column).node
    return Node.mapping(Node.Mapping([
      (Node("seed"), definitions.seed), (Node("model"), try modelNode(definitions, row: row, column: column)),
      (Node("data"), dataNode.removingKeys(["model", "training", "evaluation"])),
      (Node("training"), dataNode.value(forKey: "training").map { definitions.training.overlaid(with: $0) } ?? definitions.training),
      (Node("evaluation"), dataNode.value(forKey: "evaluation").map { definitions.evaluation.overlaid(with: $0) } ?? definitions.evaluation),
    ]))
  }
}

/// The run identifiers handed out so far: each must be a usable directory name of at most
/// ``SpecLimits/maximumRunIdentifierBytes`` bytes, and no two runs may share one.
struct IdentifierRegister {
  /// Where errors about rows and columns are located.
  let table: SpecNode
  /// Where errors about sweep points are located.
  let sweep: SweepReader
  private var runs: [String: (row: String, column: String, assignments: [SpecOverride])] = [:]

  init(table: SpecNode, sweep: SweepReader) {
    self.table = table
    self.sweep = sweep
  }

  /// Records `identifier` for a run, or throws when it is unusable or taken.
  mutating func register(_ identifier: String, row: String, column: String, assignments: [SpecOverride]) throws {
    try PathComponent.validate(
      identifier, what: "run identifier", at: locationOfLongest(assignments),
      allowed: "at most \(SpecLimits.maximumRunIdentifierBytes) bytes (shorten the names or the swept values)",
      maximumBytes: SpecLimits.maximumRunIdentifierBytes)
    if let other = runs[identifier] {
      let sameCell = other.row == row && other.column == column
      let hint = sameCell ? "sweep values that differ in letters, digits or . = _ + -" : "rename a model or a dataset"
      let location = sameCell ? location(assignments, differingFrom: other.assignments) : table
      throw location.error(
        "two runs have the identifier '\(identifier)': \(IdentifierRegister.describe(other.row, other.column, other.assignments)) and "
          + "\(IdentifierRegister.describe(row, column, assignments)); allowed: distinct identifiers (\(hint))")
    }
    runs[identifier] = (row, column, assignments)
  }

  /// `model resflow on moons with seed=1`.
  static func describe(_ row: String, _ column: String, _ assignments: [SpecOverride]) -> String {
    "model \(row) on \(column)" + (assignments.isEmpty ? "" : " with " + assignments.map(\.description).joined(separator: ", "))
  }

  /// The sweep axis with the longest value of `assignments` (or the table, without a sweep).
  func locationOfLongest(_ assignments: [SpecOverride]) -> SpecNode {
    let lengths = assignments.map { $0.description.utf8.count }
    guard let longest = lengths.indices.max(by: { lengths[$0] < lengths[$1] }), sweep.axisNodes.indices.contains(longest) else { return table }
    return sweep.axisNodes[longest]
  }

  /// The first sweep axis on which `assignments` and `other` differ.
  func location(_ assignments: [SpecOverride], differingFrom other: [SpecOverride]) -> SpecNode {
    let axis = (0..<min(assignments.count, other.count)).first { assignments[$0].description != other[$0].description } ?? 0
    return sweep.axisNodes.indices.contains(axis) ? sweep.axisNodes[axis] : table
  }
}
