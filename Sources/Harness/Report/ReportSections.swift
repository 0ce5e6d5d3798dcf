import Foundation

/// The parts of a report beyond the main table: cells over replicate seeds, differences between
/// rows paired by seed, final against best test NLL, each run's seed, and the figures.
struct ReportSections {
  /// The plan reported.
  let plan: ExperimentPlan
  /// Its rows.
  let layout: ReportLayout
  /// What the report read of each run, by identifier.
  let cells: [String: ReportCell]
  /// The table's columns.
  let columns: [DatasetSpec]

  /// File names of the figures in the report folder: `curves-<dataset>.svg` and the dot plot.
  static let curvesPrefix = "curves-", dotPlotName = "dot-plot.svg"

  /// Whether the plan's seeds are replicates (`seeds`).
  var isReplicated: Bool { !plan.seeds.isEmpty }

  /// Whether the run of `row` on `column` estimates a density (all but task classification, whose
  /// test NLL is a label cross-entropy): only those enter the NLL comparisons and figures.
  func estimatesDensity(_ row: ReportLayout.Row, _ column: String) -> Bool {
    row.runs[column]?.data.task.estimatesDensity ?? true
  }

  /// The columns whose numbers are NLLs, which the figures show (all but classification columns).
  var densityColumns: [DatasetSpec] { columns.filter { $0.task.estimatesDensity } }

  /// The cell of `row` on `column` over its seeds.
  func replicateCell(_ row: ReportLayout.Row, _ column: String) -> ReplicateCell {
    ReplicateCell(cells: (row.replicates[column] ?? []).map { ($0, cells[$0.identifier]) })
  }

  static func number(_ value: Double) -> String { TableReport.number(value) }
  static func signed(_ value: Double) -> String { String(format: "%+.3f", value) }

  // MARK: Main table with replicates

  /// The text of a cell over replicate seeds: `**mean** ± sd (n = 3) · paper · Δ`, or what its
  /// runs are doing while none has completed.
  func replicatedCellText(_ row: ReportLayout.Row, _ column: String) -> String {
    let replicate = replicateCell(row, column)
    let total = replicate.cells.count
    guard let final = replicate.final else {
      let first = replicate.cells.first { $0.cell?.manifest != nil || $0.cell?.problem != nil } ?? replicate.cells.first
      return TableReport.cellText(first?.cell) + " · n = 0 of \(total)"
    }
    let spread = final.standardDeviation.map { " ± \(ReportSections.number($0)) sd" } ?? ""
    let count = final.count == total ? "n = \(final.count)" : "n = \(final.count) of \(total)"
    var parts = ["**\(ReportSections.number(final.mean))**\(spread) (\(count))"]
    if let reference = replicate.reference {
      parts.append("paper \(TableReport.number(reference, digits: 2))")
      parts.append("Δ \(ReportSections.signed(final.mean - reference))")
    }
    if let profiles = otherProfiles(row, column) { parts.append("*\(MarkdownText.label(profiles)) profile*") }
    let unfinished = replicate.unfinished
    return parts.joined(separator: " · ") + (unfinished.isEmpty ? "" : "; \(MarkdownText.cell(unfinished))")
  }

  // MARK: Differences between rows

  /// The pairs of rows compared: each row against the row of the previous model in `table.rows`
  /// at the same sweep point (the seed excepted when it is replicated).
  var comparedRows: [(earlier: ReportLayout.Row, later: ReportLayout.Row)] {
    struct Key: Hashable { var model: String, sweep: [String] }
    let rowsByKey = Dictionary(layout.rows.map { (Key(model: $0.model, sweep: $0.sweep), $0) }, uniquingKeysWith: { first, _ in first })
    return layout.rows.compactMap { later in
      guard let position = plan.table.rows.firstIndex(of: later.model), position > 0 else { return nil }
      return rowsByKey[Key(model: plan.table.rows[position - 1], sweep: later.sweep)].map { ($0, later) }
    }
  }

  /// The section on differences between rows, empty with fewer than two models.
  var differenceLines: [String] {
    let pairs = comparedRows
    guard !pairs.isEmpty else { return [] }
    var lines = [
      "## Differences between rows", "",
      "Each difference is the later row minus the earlier one in the same column (negative: the later row has the lower NLL), "
        + "paired by seed: runs with the same seed share their initialisation stream and training data. The interval is the 95 % "
        + "t interval of the mean difference over the paired seeds (n − 1 degrees of freedom); one seed gives no interval. "
        + "The paper's ordering holds when the interval excludes 0 on the paper's side.",
      "",
      "| Column | Difference | Ours | 95 % interval | Paper | Ordering |", "|---|---|---|---|---|---|",
    ]
    for column in columns {
      for (earlier, later) in pairs where estimatesDensity(earlier, column.name) && estimatesDensity(later, column.name) {
        let name = "\(MarkdownText.label(later.label)) − \(MarkdownText.label(earlier.label))"
        let profiles = (earlier: budgetProfiles(earlier, column.name), later: budgetProfiles(later, column.name))
        if !profiles.earlier.isEmpty, !profiles.later.isEmpty, profiles.earlier != profiles.later || profiles.earlier.count > 1 {
          let named = [profiles.later, profiles.earlier].map { $0.sorted().joined(separator: "/") }
          lines.append("| \(MarkdownText.label(column.label)) | \(name) | – | – | – | not compared: the rows come from the \(named[0]) and \(named[1]) profiles |")
          continue
        }
        let difference = PairedDifference(
          later: replicateCell(later, column.name).finalBySeed, earlier: replicateCell(earlier, column.name).finalBySeed,
          paperLater: plan.table.reference[later.model]?[column.name], paperEarlier: plan.table.reference[earlier.model]?[column.name])
        let ours = difference.summary.map { summary in
          ReportSections.signed(summary.mean) + (summary.standardDeviation.map { " ± \(ReportSections.number($0)) sd" } ?? "") + " (n = \(summary.count))"
        } ?? "–"
        let interval = difference.summary?.interval95.map { "[\(ReportSections.signed($0.lowerBound)), \(ReportSections.signed($0.upperBound))]" } ?? "–"
        let paper = difference.paperDifference.map { String(format: "%+.2f", $0) } ?? "–"
        lines.append("| \(MarkdownText.label(column.label)) | \(name) | \(ours) | \(interval) | \(paper) | \(difference.verdictText) |")
      }
    }
    return lines.count == 6 ? [] : lines
  }

  /// The profiles whose completed runs make `row`'s cell on `column`: the report's own, or the
  /// one that fills it (``ReportCell/fillProfile``).
  func budgetProfiles(_ row: ReportLayout.Row, _ column: String) -> Set<String> {
    Set(replicateCell(row, column).completed.map { $0.cell.fillProfile ?? plan.profile })
  }

  /// The profiles of `row`'s cell on `column` (`quick`, `paper/quick`) when they are not just the
  /// report's own; nil otherwise.
  func otherProfiles(_ row: ReportLayout.Row, _ column: String) -> String? {
    let profiles = budgetProfiles(row, column)
    return profiles.isEmpty || profiles == [plan.profile] ? nil : profiles.sorted().joined(separator: "/")
  }

  /// `row`'s label in the figures of `column`, naming the other profile its runs come from.
  func figureLabel(_ row: ReportLayout.Row, _ column: String) -> String {
    otherProfiles(row, column).map { "\(row.label) (\($0) profile)" } ?? row.label
  }

  // MARK: Final and best

  /// The section comparing each cell's final test NLL with its best evaluation.
  var finalAndBestLines: [String] {
    var lines = [
      "## Final and best", "",
      "The tables report the final test NLL, after the last iteration. Beside it, the lowest test NLL among the run's evaluations "
        + "during training (`metrics.csv`; periodic evaluations use `evaluation.test_samples` samples, the final one "
        + "`final_test_samples`): the checkpoint a reference implementation keeps. It is chosen on the test set itself, so it is optimistic."
        + (isReplicated ? " Over seeds: mean ± standard deviation of each run's value." : ""),
      "",
      "| Model | Column | Final | Best (chosen on the test set, optimistic) | Best at iteration |", "|---|---|---|---|---|",
    ]
    for row in layout.rows {
      for column in columns where row.replicates[column.name] != nil && estimatesDensity(row, column.name) {
        let replicate = replicateCell(row, column.name)
        let completed = replicate.completed
        guard let final = replicate.final else { continue }
        func text(_ summary: SampleSummary?) -> String {
          guard let summary else { return "–" }
          return ReportSections.number(summary.mean) + (summary.standardDeviation.map { " ± \(ReportSections.number($0)) sd" } ?? "")
            + (isReplicated ? " (n = \(summary.count))" : "")
        }
        let iterations = completed.map { $0.cell.best.map { AxisScale.grouped($0.iteration) } ?? "–" }.joined(separator: ", ")
        lines.append("| \(MarkdownText.label(row.label)) | \(MarkdownText.label(column.label)) | \(text(final)) | \(text(replicate.best)) | \(iterations) |")
      }
    }
    return lines.count == 6 ? [] : lines
  }

  // MARK: Seeds

  /// With replicate seeds, one line per run: its seed, final test NLL ± the standard error over
  /// its test samples, its best evaluation and its status.
  var seedLines: [String] {
    guard isReplicated else { return [] }
    var lines = [
      "## Seeds", "",
      "Each run: final test NLL ± standard error of the mean over its final test samples, and its best evaluation.", "",
      "| Model | Column | Seed | Final ± standard error | Best (chosen on the test set, optimistic) | Status | Run |", "|---|---|---|---|---|---|---|",
    ]
    for row in layout.rows {
      for column in columns {
        for run in row.replicates[column.name] ?? [] {
          let cell = cells[run.identifier]
          let reported = cell?.problem == nil ? cell : nil
          let final = reported?.evaluation.map { "\(ReportSections.number($0.testNLL)) ± \(ReportSections.number($0.testStandardError))" } ?? "–"
          let best = reported?.best?.testNLL.map { "\(ReportSections.number($0)) at \(AxisScale.grouped(reported!.best!.iteration))" } ?? "–"
          let status = cell?.problem?.status ?? cell?.status?.rawValue ?? "not started"
          lines.append("| \(MarkdownText.label(row.label)) | \(MarkdownText.label(column.label)) | \(run.seed) | \(final) | \(best) | \(status) | \(MarkdownText.cell(run.identifier)) |")
        }
      }
    }
    return lines
  }

  // MARK: Figures

  /// The figures' files (name in the report folder, SVG text).
  var figures: [(name: String, svg: String)] {
    guard !densityColumns.isEmpty else { return [] }
    return densityColumns.map { (ReportSections.curvesPrefix + $0.name + ".svg", learningCurves($0).svg) } + [(ReportSections.dotPlotName, dotPlot.svg)]
  }

  /// The section linking the figures.
  var figureLines: [String] {
    guard !densityColumns.isEmpty else { return [] }
    let links = densityColumns.map { "[\(MarkdownText.label($0.label))](\(plan.name)/\(ReportSections.curvesPrefix + $0.name).svg)" }
    return [
      "## Figures", "",
      "Learning curves, test NLL against iteration for every row" + (isReplicated ? " and seed" : "")
        + " (the paper's values dashed, the true entropy dotted): " + links.joined(separator: " · ") + ".", "",
      "![The table as a dot plot beside the paper's values](\(plan.name)/\(ReportSections.dotPlotName))",
    ]
  }

  /// The learning curves of `column`.
  func learningCurves(_ column: DatasetSpec) -> LearningCurveFigure {
    var rows: [LearningCurveFigure.Row] = []
    for row in layout.rows where row.replicates[column.name] != nil && estimatesDensity(row, column.name) {
      var seeds: [(seed: UInt64, points: [(iteration: Int, value: Double)])] = []
      for run in row.replicates[column.name] ?? [] {
        guard let cell = cells[run.identifier], cell.problem == nil else { continue }
        var points: [(iteration: Int, value: Double)] = []
        for metric in cell.evaluations {
          if let value = metric.testNLL, value.isFinite { points.append((metric.iteration, value)) }
        }
        if !points.isEmpty { seeds.append((run.seed, points)) }
      }
      rows.append(LearningCurveFigure.Row(label: figureLabel(row, column.name), seeds: seeds, paper: plan.table.reference[row.model]?[column.name]))
    }
    // The plan's budget, unless every run drawn comes from another profile: then the runs' own extent.
    let ownRuns = layout.rows.contains { budgetProfiles($0, column.name).contains(plan.profile) }
    let drawn = rows.flatMap(\.seeds).flatMap(\.points).map(\.iteration).max()
    let planned = plan.runs.filter { $0.datasetName == column.name }.map(\.training.iterations).max() ?? 1
    let iterations = ownRuns ? planned : drawn ?? planned
    return LearningCurveFigure(title: column.label, unit: column.unit, rows: rows, entropy: column.distribution?.entropy, iterations: iterations)
  }

  /// The whole table as a dot plot.
  var dotPlot: DotPlotFigure {
    let panels = densityColumns.map { column in
      DotPlotFigure.Panel(
        title: column.label, unit: column.unit, entropy: column.distribution?.entropy,
        rows: layout.rows.filter { $0.replicates[column.name] != nil && estimatesDensity($0, column.name) }.map { row in
          let replicate = replicateCell(row, column.name)
          let final = replicate.final
          var interval = final?.interval95
          if interval == nil, let only = replicate.completed.first, final?.count == 1 {
            let half = StudentT.normal975 * only.evaluation.testStandardError
            interval = (only.evaluation.testNLL - half)...(only.evaluation.testNLL + half)
          }
          return DotPlotFigure.Row(label: figureLabel(row, column.name), value: final?.mean, interval: interval, paper: replicate.reference)
        })
    }
    let note = isReplicated
      ? "mean over seeds, 95 % t interval (one seed: ±1.96 test-sample standard errors)"
      : "final test NLL ± 1.96 test-sample standard errors"
    return DotPlotFigure(title: MarkdownText.line(plan.table.title), intervalNote: note, panels: panels)
  }
}
