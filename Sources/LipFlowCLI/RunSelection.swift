import Foundation
import Harness

/// The runs a `run` command works on: all of a plan's, or those matching `--only` patterns
/// (exact identifiers or shell globs such as `idensenet-*`).
struct RunSelection {
  /// The selected runs, in plan order.
  let runs: [RunSpec]
  /// Whether `--only` narrowed the plan (then the report is not written).
  let isPartial: Bool

  /// Selects from `plan`: the runs of the `rows` and `columns` named (all when empty), then those
  /// matching `patterns` (all when empty). Rows and columns keep the report (it shows every cell
  /// in its state); `--only` narrows to single runs and skips it.
  /// - Throws: ``CommandFailure/usage(_:)`` for a name or pattern that matches no run.
  init(plan: ExperimentPlan, patterns: [String], rows: [String] = [], columns: [String] = []) throws {
    for row in rows where !plan.table.rows.contains(row) {
      throw CommandFailure.usage("--rows \(row): not a row of \(plan.specPath); rows: \(plan.table.rows.joined(separator: ", "))")
    }
    for column in columns where !plan.table.columns.contains(column) {
      throw CommandFailure.usage("--columns \(column): not a column of \(plan.specPath); columns: \(plan.table.columns.joined(separator: ", "))")
    }
    let chosen = plan.runs.filter { (rows.isEmpty || rows.contains($0.modelName)) && (columns.isEmpty || columns.contains($0.datasetName)) }
    guard !patterns.isEmpty else {
      runs = chosen
      isPartial = false
      return
    }
    for pattern in patterns where !plan.runs.contains(where: { RunSelection.matches($0.identifier, pattern) }) {
      let names = plan.runs.prefix(20).map(\.identifier).joined(separator: ", ") + (plan.runs.count > 20 ? ", …" : "")
      throw CommandFailure.usage("--only \(pattern): no run of \(plan.specPath) matches; runs: \(names)")
    }
    runs = chosen.filter { run in patterns.contains { RunSelection.matches(run.identifier, $0) } }
    isPartial = true
  }

  /// Whether `identifier` is `pattern` or matches it as a glob (`*`, `?`, `[...]`).
  static func matches(_ identifier: String, _ pattern: String) -> Bool {
    identifier == pattern || fnmatch(pattern, identifier, 0) == 0
  }
}

/// The order in which pending runs train: cheapest first by their estimated remaining time, so a
/// long sweep gives its short cells within hours instead of queueing them behind the long ones;
/// ties keep plan order.
public enum TrainingOrder {
  /// The indices of runs with the given remaining-time estimates (seconds; nil when unknown, such
  /// as runs whose data is missing, which go first since they end at once), cheapest first.
  public static func cheapestFirst(_ estimates: [Double?]) -> [Int] {
    estimates.indices.sorted { a, b in
      let (left, right) = (estimates[a] ?? 0, estimates[b] ?? 0)
      return left == right ? a < b : left < right
    }
  }
}
