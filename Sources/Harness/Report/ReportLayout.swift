/// The rows of a report (one per model and sweep point, in plan order) and, for each, its run on
/// each dataset: built in one pass over the runs. With replicate seeds (`seeds`), the seed is not
/// part of the sweep point: a row's cell holds one run per seed.
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
    /// The row's runs on each dataset, one per replicate seed, in plan order (one run without
    /// replicate seeds).
    var replicates: [String: [RunSpec]]
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
    let replicated = !plan.seeds.isEmpty
    for run in plan.runs {
      let sweep = ReportLayout.sweep(of: run, replicated: replicated)
      let key = Key(model: run.modelName, sweep: sweep)
      if let position = positions[key] {
        if rows[position].runs[run.datasetName] == nil { rows[position].runs[run.datasetName] = run }
        if replicated || rows[position].replicates[run.datasetName] == nil { rows[position].replicates[run.datasetName, default: []].append(run) }
        continue
      }
      positions[key] = rows.count
      let label = labels[run.modelName] ?? run.modelName
      rows.append(Row(
        label: sweep.isEmpty ? label : "\(label) [\(sweep.joined(separator: ", "))]", model: run.modelName, sweep: sweep,
        runs: [run.datasetName: run], replicates: [run.datasetName: [run]]))
    }
    self.rows = rows
  }

  /// The sweep point of `run` as `key.path=value`: its assignments, without the last one (the
  /// seed) when the plan's seeds are replicates.
  static func sweep(of run: RunSpec, replicated: Bool) -> [String] {
    (replicated ? run.assignments.dropLast() : run.assignments[...]).map(\.description)
  }
}
