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

  @Option(help: "Root folder of run directories (default: $LIPFLOW_RUNS_DIR, else runs); may live outside the work tree.")
  var runsDir = ProcessInfo.processInfo.environment["LIPFLOW_RUNS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "runs"

  @Option(help: "Folder the report tables are written to (default: results for the spec's default profile, results/<profile> for any other).")
  var resultsDir: String?

  /// The resolved plan.
  /// - Throws: ``SpecError`` for anything wrong in the spec or the overrides.
  func plan() throws -> ExperimentPlan {
    let parsed = try overrides.map { try SpecOverride(parsing: $0) }
    return try ExperimentPlan.load(path: spec, profile: profile, overrides: parsed)
  }

  /// The folder the plan's tables are written to: `--results-dir`, else the profile's default
  /// (``TableReport/defaultResultsDirectory(for:)``).
  func resultsDirectory(of plan: ExperimentPlan) -> String {
    resultsDir ?? TableReport.defaultResultsDirectory(for: plan)
  }

  /// The directory holding the plan's runs.
  func runsDirectory(of plan: ExperimentPlan) -> String {
    runsDir + "/" + plan.runGroup
  }
}

extension SpecOptions {
  /// The spec, profile, overrides and directories as command-line arguments, shell-quoted.
  var commandLine: String {
    var arguments = [spec]
    if let profile { arguments += ["--profile", profile] }
    for override in overrides { arguments += ["--set", override] }
    if runsDir != "runs" { arguments += ["--runs-dir", runsDir] }
    if let resultsDir { arguments += ["--results-dir", resultsDir] }
    return arguments.map(SpecOptions.shellQuoted).joined(separator: " ")
  }

  /// `word` as one shell word: unchanged when it is plain, else in single quotes.
  static func shellQuoted(_ word: String) -> String {
    let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=+:,@%".contains($0) }
    return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
