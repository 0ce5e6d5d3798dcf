import ArgumentParser
import Harness

/// `lipflow report SPEC`: (re)writes the tables from the run directories.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Write <results-dir>/<experiment>.md and .csv from the run directories of a spec.")

  @OptionGroup var options: SpecOptions

  @Option(
    name: .customLong("fill-from"),
    help: ArgumentHelp(
      "Another profile of the spec whose completed runs fill the cells that have no run under --profile, marked as such "
        + "(for instance paper-budget toy columns beside quick image columns).", valueName: "profile"))
  var fillFrom: String?

  func run() throws {
    let plan = try options.plan()
    var report = TableReport(plan: plan, runsRoot: options.runsDir, resultsDirectory: options.resultsDirectory(of: plan))
    if let fillFrom {
      let parsed = try options.overrides.map { try SpecOverride(parsing: $0) }
      let other = try ExperimentPlan.load(path: options.spec, profile: fillFrom, overrides: parsed)
      guard other.profile != plan.profile else { throw CommandFailure.usage("--fill-from \(fillFrom): the report's own profile; name another one") }
      report = report.filling(from: other)
    }
    let written = try report.write()
    say("report: wrote \(written.markdown) and \(written.csv)")
  }
}
