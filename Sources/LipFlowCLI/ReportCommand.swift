import ArgumentParser
import Harness

/// `lipflow report SPEC`: (re)writes the tables from the run directories.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Write <results-dir>/<experiment>.md and .csv from the run directories of a spec.")

  @OptionGroup var options: SpecOptions

  func run() throws {
    let plan = try options.plan()
    let written = try TableReport(plan: plan, runsRoot: options.runsDir, resultsDirectory: options.resultsDir).write()
    say("report: wrote \(written.markdown) and \(written.csv)")
  }
}
