import Foundation
import Harness

/// Rewrites a plan's report each time one of its runs completes while others are still to
/// train, so that a long sweep shows its finished cells (toy columns within hours of a paper
/// run) instead of only at the end. The final report is written by the command as before; a
/// report that cannot be written mid-sweep is a warning, never a reason to stop training.
final class ProgressiveReport {
  let plan: ExperimentPlan
  let runsRoot: String
  let resultsDirectory: String
  /// Off with `--no-report` and for `--only` selections (which write no report at all).
  let isEnabled: Bool
  /// Runs this command trains.
  let runCount: Int
  private var finishedCount = 0

  init(plan: ExperimentPlan, runsRoot: String, resultsDirectory: String, isEnabled: Bool, runCount: Int) {
    self.plan = plan
    self.runsRoot = runsRoot
    self.resultsDirectory = resultsDirectory
    self.isEnabled = isEnabled
    self.runCount = runCount
  }

  /// Called as each run ends: a completed run that is not the last rewrites the report.
  func runFinished(_ identifier: String, outcome: RunOutcome) {
    finishedCount += 1
    guard isEnabled, outcome == .completed, finishedCount < runCount, !Interruption.isRequested else { return }
    do {
      let written = try TableReport(plan: plan, runsRoot: runsRoot, resultsDirectory: resultsDirectory).write()
      say("report: updated \(written.markdown) after \(identifier) (\(finishedCount) of \(runCount) runs done)")
    } catch {
      printError("warning: report not updated after \(identifier): \(error)")
    }
  }
}
