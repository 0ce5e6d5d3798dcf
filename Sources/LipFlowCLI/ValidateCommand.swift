import ArgumentParser
import Harness

/// `lipflow validate SPEC`: reads the spec strictly and lists its runs; trains nothing.
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate", abstract: "Check a spec (keys, types, ranges, names) and list the runs it defines.")

  @OptionGroup var options: SpecOptions

  func run() throws {
    let plan = try options.plan()
    say("\(plan.specPath): valid; experiment '\(plan.name)', profile '\(plan.profile)', \(plan.runs.count) runs")
    for override in plan.overrides { say("  override \(override.description)") }
    for run in plan.runs {
      let note = run.data.missingData.map { " (will not run: \($0))" } ?? ""
      say("  \(run.identifier): \(run.training.iterations) iterations\(note)")
    }
  }
}
