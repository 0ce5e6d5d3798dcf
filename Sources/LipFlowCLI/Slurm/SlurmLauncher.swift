import Foundation
import Harness

/// `lipflow run --launcher slurm`: writes the batch scripts into `<runs>/<experiment>/<profile>/slurm/`
/// (kept, readable), submits one array task per run that is neither completed nor queued nor
/// training, and a report job that waits for the array; prints the job ids and the log folder.
struct SlurmLauncher {
  let plan: ExperimentPlan
  let options: SpecOptions
  let slurm: SlurmOptions
  /// The group's runs directory (`<runs>/<experiment>/<profile>`).
  let directory: String
  /// The `lipflow` executable tasks run.
  let executable: String

  var folder: String { SlurmLauncher.absolute(directory) + "/slurm" }

  /// The runs to submit: pending in their directories, not owned by a process, not queued.
  func runsToSubmit(_ runs: [RunSpec], states: [RunDirectoryState]) -> (submit: [RunSpec], skipped: [String]) {
    let queued = SlurmSubmission.queuedStates(folder: folder).filter { SlurmSubmission.activeStates.contains($0.value.state) }
    var submit: [RunSpec] = []
    var skipped: [String] = []
    for (run, state) in zip(runs, states) where state.isPending {
      if let task = queued[run.identifier] {
        skipped.append("\(run.identifier) (task \(task.job) \(task.state.lowercased()))")
      } else if let holder = RunLock.isHeld(directory: directory + "/" + run.identifier) {
        skipped.append("\(run.identifier) (\(holder))")
      } else {
        submit.append(run)
      }
    }
    return (submit, skipped)
  }

  /// Writes the scripts and submits them (or, with `dryRun`, prints the array script).
  func launch(_ runs: [RunSpec], dryRun: Bool) throws {
    guard !runs.isEmpty else {
      say("slurm: nothing to submit")
      return
    }
    let stamp = SlurmLauncher.stamp()
    let frozen = try freezeSpec(write: !dryRun)
    let script = SlurmBatchScript(
      executable: executable, spec: frozen, specArguments: specArguments, runs: runs.map(\.identifier), experiment: plan.name,
      logs: folder + "/logs", options: slurm)
    if dryRun {
      say(script.arrayScript)
      return
    }
    try FileOperations.createDirectory(folder + "/logs")
    let arrayPath = folder + "/array-\(stamp).sbatch"
    try AtomicFile.write(script.arrayScript, to: arrayPath)
    let arrayJob = try SlurmClient.submit(arrayPath)
    let reportPath = folder + "/report-\(stamp).sbatch"
    try AtomicFile.write(script.reportScript(after: arrayJob), to: reportPath)
    let reportJob = try SlurmClient.submit(reportPath)
    try SlurmSubmission.append(
      SlurmSubmission(arrayJob: arrayJob, reportJob: reportJob, runs: runs.map(\.identifier), script: arrayPath, submitted: Provenance.now),
      folder: folder)
    say("slurm: submitted array job \(arrayJob) (\(runs.count) task\(runs.count == 1 ? "" : "s"): \(runs.map(\.identifier).joined(separator: ", ")))")
    say("slurm: report job \(reportJob) runs after it (afterany)")
    say("slurm: scripts \(arrayPath) and \(reportPath); logs \(folder)/logs/\(arrayJob)_<task>.log")
    say("slurm: follow with: lipflow status \(options.commandLine) --launcher slurm")
  }

  /// `--profile` (when given), `--set`, `--runs-dir` and `--results-dir` (absolute), as given
  /// to this command, for the tasks.
  var specArguments: [String] {
    var arguments = options.profile.map { ["--profile", $0] } ?? []
    for override in options.overrides { arguments += ["--set", override] }
    arguments += ["--runs-dir", SlurmLauncher.absolute(options.runsDir), "--results-dir", SlurmLauncher.absolute(options.resultsDirectory(of: plan))]
    return arguments
  }

  /// A copy of the spec file's bytes in the slurm folder, named by their hash (written unless
  /// `write` is false, for a dry run): tasks that start later read what was submitted, not the
  /// file as edited since.
  func freezeSpec(write: Bool) throws -> String {
    guard let data = FileManager.default.contents(atPath: options.spec) else {
      throw HarnessError.io(path: options.spec, reason: "cannot read the spec to freeze it for the tasks")
    }
    let path = folder + "/spec-\(Provenance.hash(String(decoding: data, as: UTF8.self))).yaml"
    if write && !FileManager.default.fileExists(atPath: path) { try AtomicFile.write(data, to: path) }
    return path
  }

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }

  static func stamp() -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date()) + "-\(getpid())"
  }
}
