import ArgumentParser
import Foundation
import Harness

/// Options every subcommand shares: the spec, its profile and `--set` overrides, and where runs
/// and results live.
struct SpecOptions: ParsableArguments {
  @Argument(help: "The experiment spec (YAML).")
  var spec: String

  @Option(help: "A profile defined under 'profiles' in the spec (default: the spec's default_profile, else paper).")
  var profile: String?

  @Option(name: .customLong("set"), help: ArgumentHelp("Override a key of the spec: --set training.iterations=1000 (repeatable).", valueName: "key.path=value"))
  var overrides: [String] = []

  @Option(help: "Root folder of run directories.")
  var runsDir = "runs"

  @Option(help: "Folder the report tables are written to.")
  var resultsDir = "results"

  /// The resolved plan; a spec error is printed as one line and exits with status 2.
  func plan() throws -> ExperimentPlan {
    do {
      let parsed = try overrides.map { try SpecOverride(parsing: $0) }
      return try ExperimentPlan.load(path: spec, profile: profile, overrides: parsed)
    } catch let error as SpecError {
      printError("error: \(error)")
      throw ExitCode(2)
    }
  }

  /// The directory holding the plan's runs.
  func runsDirectory(of plan: ExperimentPlan) -> String {
    runsDir + "/" + plan.runGroup
  }
}

/// Writes a line to standard error.
func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
