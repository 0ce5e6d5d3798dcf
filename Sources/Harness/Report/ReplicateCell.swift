/// One cell of the table over its replicate seeds: the runs of a row on a column, one per seed
/// (a single run without replicate seeds), and the statistics of those that completed.
struct ReplicateCell {
  /// The cell's runs, in plan order, with what the report read of each (nil: not read).
  let cells: [(run: RunSpec, cell: ReportCell?)]

  /// The runs that completed with an evaluation and no problem, in plan order.
  var completed: [(seed: UInt64, cell: ReportCell, evaluation: RunEvaluation)] {
    cells.compactMap { run, cell in
      guard let cell, cell.problem == nil, cell.status == .completed, let evaluation = cell.evaluation else { return nil }
      return (run.seed, cell, evaluation)
    }
  }

  /// The final test NLL of each completed run, by seed (the first run of a seed when several share one).
  var finalBySeed: [UInt64: Double] {
    Dictionary(completed.map { ($0.seed, $0.evaluation.testNLL) }, uniquingKeysWith: { first, _ in first })
  }

  /// Mean and standard deviation of the final test NLL over the completed runs.
  var final: SampleSummary? { SampleSummary(completed.map(\.evaluation.testNLL)) }

  /// Mean and standard deviation of each completed run's best evaluation.
  var best: SampleSummary? { SampleSummary(completed.compactMap { $0.cell.best?.testNLL }) }

  /// The paper's value.
  var reference: Double? { cells.lazy.compactMap { $0.cell?.reference }.first }

  /// What the runs that did not complete are doing, counted: `1 failed, 1 running`.
  var unfinished: String {
    var counts: [(String, Int)] = []
    for (_, cell) in cells {
      if let cell, cell.problem == nil, cell.status == .completed, cell.evaluation != nil { continue }
      let state = cell?.problem?.status ?? cell?.status.map { $0 == .notRun ? "not run" : $0.rawValue } ?? "not run yet"
      if let index = counts.firstIndex(where: { $0.0 == state }) { counts[index].1 += 1 } else { counts.append((state, 1)) }
    }
    return counts.map { "\($1) \($0)" }.joined(separator: ", ")
  }
}
