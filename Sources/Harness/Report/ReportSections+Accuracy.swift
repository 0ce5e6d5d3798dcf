/// The accuracy of classifying models (task classification or hybrid).
extension ReportSections {
  /// Whether any run of the plan has a classification head.
  var hasClassifiers: Bool { plan.runs.contains { $0.data.task.classifies } }

  /// The section on test accuracy, empty when no model classifies: one line per classifying run
  /// with its task, accuracy ± binomial standard error, test cross-entropy and, for hybrid
  /// models, λ and the test bits/dim.
  var accuracyLines: [String] {
    guard hasClassifiers else { return [] }
    var lines = [
      "## Accuracy", "",
      "Runs of classification and hybrid columns: the fraction of the final test images whose largest logit is their label, "
        + "± its binomial standard error √(a(1 − a)/n); the test cross-entropy −log p(y|x) in nats per image; for hybrid models λ of "
        + "the objective E[λ·log p(x) + log p(y|x)] and the test bits/dim. Higher accuracy is better.",
      "",
      "| Model | Column | Seed | Task | Test accuracy | Cross-entropy (nats) | λ | Bits/dim |", "|---|---|---|---|---|---|---|---|",
    ]
    for row in layout.rows {
      for column in columns {
        for run in row.replicates[column.name] ?? [] where run.data.task.classifies {
          lines.append(accuracyLine(row: row, column: column, run: run))
        }
      }
    }
    return lines
  }

  /// One line of the accuracy section.
  func accuracyLine(row: ReportLayout.Row, column: DatasetSpec, run: RunSpec) -> String {
    let cell = cells[run.identifier]
    let evaluation = cell?.problem == nil ? cell?.evaluation : nil
    let accuracy = evaluation.flatMap { ReportSections.accuracyText($0) } ?? (cell?.problem?.status ?? cell?.status?.rawValue ?? "not started")
    let crossEntropy = evaluation?.testCrossEntropy.map { ReportSections.number($0) } ?? "–"
    let weight = run.data.task == .hybrid ? String(format: "%g", run.data.densityWeight) : "–"
    let bits = run.data.task == .hybrid ? evaluation.map { "\(ReportSections.number($0.testNLL)) ± \(ReportSections.number($0.testStandardError))" } ?? "–" : "–"
    return "| \(MarkdownText.label(row.label)) | \(MarkdownText.label(column.label)) | \(run.seed) | \(run.data.task.rawValue) | \(accuracy) | "
      + "\(crossEntropy) | \(weight) | \(bits) |"
  }

  /// `97.31 % ± 0.16` from an evaluation's accuracy, nil when it has none.
  static func accuracyText(_ evaluation: RunEvaluation) -> String? {
    guard let accuracy = evaluation.testAccuracy else { return nil }
    return String(format: "%.2f %% ± %.2f", 100 * accuracy, 100 * (evaluation.testAccuracyStandardError ?? 0))
  }
}
