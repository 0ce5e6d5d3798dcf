import Foundation
import Harness

/// The runs a `run` command works on: all of a plan's, or those matching `--only` patterns
/// (exact identifiers or shell globs such as `idensenet-*`).
struct RunSelection {
  /// The selected runs, in plan order.
  let runs: [RunSpec]
  /// Whether `--only` narrowed the plan (then the report is not written).
  let isPartial: Bool

  /// Selects from `plan`.
  /// - Throws: ``CommandFailure/usage(_:)`` for a pattern that matches no run.
  init(plan: ExperimentPlan, patterns: [String]) throws {
    guard !patterns.isEmpty else {
      runs = plan.runs
      isPartial = false
      return
    }
    for pattern in patterns where !plan.runs.contains(where: { RunSelection.matches($0.identifier, pattern) }) {
      let names = plan.runs.prefix(20).map(\.identifier).joined(separator: ", ") + (plan.runs.count > 20 ? ", …" : "")
      throw CommandFailure.usage("--only \(pattern): no run of \(plan.specPath) matches; runs: \(names)")
    }
    runs = plan.runs.filter { run in patterns.contains { RunSelection.matches(run.identifier, $0) } }
    isPartial = true
  }

  /// Whether `identifier` is `pattern` or matches it as a glob (`*`, `?`, `[...]`).
  static func matches(_ identifier: String, _ pattern: String) -> Bool {
    identifier == pattern || fnmatch(pattern, identifier, 0) == 0
  }
}
