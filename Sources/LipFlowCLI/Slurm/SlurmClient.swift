import Foundation
import Harness

/// The Slurm commands the launcher uses (`sbatch`, `squeue`, `scontrol`), run as child processes.
struct SlurmClient {
  /// Runs `command arguments`; returns its standard output, or throws with its standard error.
  static func run(_ command: String, _ arguments: [String]) throws -> String {
    try ChildProcess.run(command, arguments).successfulOutput()
  }

  /// Submits a batch script; returns the job id.
  static func submit(_ script: String) throws -> String {
    let output = try run("sbatch", ["--parsable", script]).trimmingCharacters(in: .whitespacesAndNewlines)
    guard let identifier = output.split(separator: ";").first, !identifier.isEmpty else {
      throw HarnessError.io(path: "sbatch", reason: "printed no job id for \(script)")
    }
    return String(identifier)
  }

  /// The states of the tasks of array job `job` still known to Slurm, by task index
  /// (`PENDING`, `RUNNING`, ...); empty when Slurm does not answer.
  static func taskStates(ofArray job: String) -> [Int: String] {
    guard let text = try? run("squeue", ["-h", "-r", "-j", job, "-o", "%K %T"]) else { return [:] }
    var states: [Int: String] = [:]
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ")
      if fields.count == 2, let index = Int(fields[0]) { states[index] = String(fields[1]) }
    }
    return states
  }

  /// The state of job `job` (`1234_5`) from `scontrol show job`, kept for `MinJobAge` seconds
  /// after it ends; nil when unknown.
  static func state(ofJob job: String) -> String? {
    guard let text = try? run("scontrol", ["show", "job", job]) else { return nil }
    guard let range = text.range(of: "JobState=") else { return nil }
    return String(text[range.upperBound...].prefix { $0.isLetter || $0 == "_" })
  }
}
