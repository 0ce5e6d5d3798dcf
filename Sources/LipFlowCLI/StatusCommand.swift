import ArgumentParser
import Foundation
import Harness

/// `lipflow status SPEC`: one line per run from the run directories (pending, running where and at
/// which iteration, completed with its value, failed with its reason, interrupted), the same for
/// local and Slurm runs; with `--launcher slurm` also each run's newest Slurm task and its state.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show where each run of a spec stands, from its run directory (and Slurm's queue).")

  @OptionGroup var options: SpecOptions

  @Option(help: "With slurm, also show the state of each run's newest Slurm task.")
  var launcher: LauncherKind = .local

  func run() throws {
    let plan = try options.plan()
    let directory = options.runsDirectory(of: plan)
    let queued = launcher == .slurm ? SlurmSubmission.newestStates(folder: SlurmLauncher.absolute(directory) + "/slurm") : [:]
    let width = plan.runs.map(\.identifier.count).max() ?? 0
    say("\(plan.specPath): experiment '\(plan.name)', profile '\(plan.profile)', \(plan.runs.count) runs under \(directory)")
    for run in plan.runs {
      var line = RunStatusLine.describe(run, directory: directory + "/" + run.identifier)
      if let task = queued[run.identifier] { line += " · slurm \(task.job) \(task.state)" }
      say("  " + run.identifier.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + line)
    }
  }
}
