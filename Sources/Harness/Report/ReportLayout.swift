/// The rows of a report (one per model and sweep point, in plan order) and, for each, its run on
/// each dataset: built in one pass over the runs.
struct ReportLayout {
  /// One row of the table.
  struct Row {
    /// The label: the model's, with the sweep point in brackets.
    var label: String
    /// The model's name.
    var model: String
    /// The sweep assignments, as `key.path=value`.
    var sweep: [String]
    /// The row's run on each dataset (the first in plan order when several share one).
    var runs: [String: RunSpec]
  }

  /// The rows, in plan order.
  let rows: [Row]

  /// Lays out `plan`.
  init(plan: ExperimentPlan) {
    struct Key: Hashable {
      var model: String
      var sweep: [String]
    }
    let labels = Dictionary(plan.models.map { ($0.name, $0.label) }, uniquingKeysWith: { first, _ in first })
    var rows: [Row] = []
    var positions: [Key: Int] = [:]
    for run in plan.runs {
      let sweep = run.assignments.map(\.description)
      let key = Key(model: run.modelName, sweep: sweep)
      if let position = positions[key] {
        if rows[position].runs[run.datasetName] == nil { rows[position].runs[run.datasetName] = run }
        continue
      }
      positions[key] = rows.count
      let label = labels[run.modelName] ?? run.modelName
      rows.append(Row(
        label: sweep.isEmpty ? label : "\(label) [\(sweep.joined(separator: ", "))]", model: run.modelName, sweep: sweep,
        runs: [run.datasetName: run]))
    }
    self.rows = rows
  }
}
