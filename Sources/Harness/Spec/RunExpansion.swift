import Yams

/// The runs of a plan: rows × columns × each row's sweep points, in that nesting order, each read
/// strictly, with identifiers that are distinct, usable directory names.
///
/// A run's identifier is `<row>-<column>` followed by its sweep assignments in axis order (global
/// axes, the row's own axes, the replicate seed), each as `key.path=value` with characters other
/// than letters, digits and `.=_+-` replaced by `_`: `idensenet-moons-model.depth=3-seed=1`.
struct RunExpansion {
  /// The runs.
  private(set) var runs: [RunSpec] = []

  /// Expands `table` × the sweep points of each row over `definitions`; `tableNode` locates
  /// errors about rows and columns.
  init(_ definitions: SpecDefinitions, table: TableSpec, tableNode: SpecNode, sweep: SweepSpec) throws {
    let counts = ParameterCounts()
    var targetsByColumn: [String: [String: ModelSpec]] = [:]
    for column in table.columns {
      targetsByColumn[column] = try RunExpansion.targets(definitions, column: column, counts: counts)
    }
    var identifiers = IdentifierRegister(table: tableNode)
    for row in table.rows {
      let rowSweep = sweep.reader(forModel: row)
      let points = SweepExpansion.expand(rowSweep.axes)
      for column in table.columns {
        let cell = Cell(
          row: row, column: column, base: SpecNode(node: try definitions.runTree(row: row, column: column), keyPath: "", file: tableNode.file),
          targets: targetsByColumn[column] ?? [:], sections: RunSections(axes: rowSweep.axes, counts: counts))
        for point in points {
          runs.append(try cell.run(at: point, sweep: rowSweep, identifiers: &identifiers))
        }
      }
    }
  }

  /// One row on one column: what its runs share.
  struct Cell {
    /// The row (model name) and the column (dataset name).
    let row: String, column: String
    /// The run tree before sweep assignments.
    let base: SpecNode
    /// Every model as it is on this column (budget targets; the row's own model when unswept).
    let targets: [String: ModelSpec]
    /// The sections read once for all points.
    let sections: RunSections

    /// The run at `point` of `sweep`, its identifier registered.
    func run(at point: SweepPoint, sweep: SweepReader, identifiers: inout IdentifierRegister) throws -> RunSpec {
      let identifier = ([row, column] + point.assignments.map { SweepExpansion.slug($0.description) }).joined(separator: "-")
      try identifiers.register(identifier, row: row, column: column, assignments: point.assignments, sweep: sweep)
      return try RunSpec(
        identifier: identifier, modelName: row, datasetName: column, assignments: point.assignments,
        node: try base.applying(point.assignments), budgetTargets: targets, sections: sections)
    }
  }

  /// Every model as it is on `column` (read once here, and reused by the runs that do not sweep
  /// it), those of fixed size checked for size (budget targets).
  static func targets(_ definitions: SpecDefinitions, column: String, counts: ParameterCounts) throws -> [String: ModelSpec] {
    var targets: [String: ModelSpec] = [:]
    for name in definitions.modelNames {
      let node = SpecNode(node: try definitions.modelNode(row: name, column: column), keyPath: "models.\(name)", file: definitions.models.owner.file)
      let model = try ModelSpec(name: name, node: node)
      if let data = definitions.datasetsByName[column] { try model.checkNorms(on: data, at: node) }
      if let data = definitions.datasetsByName[column], model.fixedGrowth != nil {
        _ = try model.checkedParameterCount(for: data, at: node, counts: counts)
      }
      targets[name] = model
    }
    return targets
  }
}

/// The run identifiers handed out so far: each must be a usable directory name of at most
/// ``SpecLimits/maximumRunIdentifierBytes`` bytes, and no two runs may share one.
struct IdentifierRegister {
  /// Where errors about rows and columns are located.
  let table: SpecNode
  private var runs: [String: (row: String, column: String, assignments: [SpecOverride])] = [:]

  init(table: SpecNode) {
    self.table = table
  }

  /// Records `identifier` for a run at `assignments` of `sweep` (the row's axes, which locate
  /// errors about sweep points), or throws when it is unusable or taken.
  mutating func register(_ identifier: String, row: String, column: String, assignments: [SpecOverride], sweep: SweepReader) throws {
    try PathComponent.validate(
      identifier, what: "run identifier", at: locationOfLongest(assignments, sweep: sweep),
      allowed: "at most \(SpecLimits.maximumRunIdentifierBytes) bytes (shorten the names or the swept values)",
      maximumBytes: SpecLimits.maximumRunIdentifierBytes)
    if let other = runs[identifier] {
      let sameCell = other.row == row && other.column == column
      let hint = sameCell ? "sweep values that differ in letters, digits or . = _ + -" : "rename a model or a dataset"
      let location = sameCell ? location(assignments, differingFrom: other.assignments, sweep: sweep) : table
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
  func locationOfLongest(_ assignments: [SpecOverride], sweep: SweepReader) -> SpecNode {
    let lengths = assignments.map { $0.description.utf8.count }
    guard let longest = lengths.indices.max(by: { lengths[$0] < lengths[$1] }), sweep.axisNodes.indices.contains(longest) else { return table }
    return sweep.axisNodes[longest]
  }

  /// The first sweep axis on which `assignments` and `other` differ.
  func location(_ assignments: [SpecOverride], differingFrom other: [SpecOverride], sweep: SweepReader) -> SpecNode {
    let axis = (0..<min(assignments.count, other.count)).first { assignments[$0].description != other[$0].description } ?? 0
    return sweep.axisNodes.indices.contains(axis) ? sweep.axisNodes[axis] : table
  }
}
