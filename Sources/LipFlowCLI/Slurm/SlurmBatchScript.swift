import Foundation
import Harness

/// The batch scripts of a Slurm submission: a job array with one task per run, each running
/// `lipflow run SPEC --only RUN` with the sweep's profile and overrides, and a report job.
///
/// A task runs `lipflow` in the background and forwards SIGTERM to it: Slurm sends SIGTERM to
/// the batch shell `--signal-seconds` before the time limit (`--signal=B:TERM@…`; without `B:`
/// nothing reaches a batch script) and `scancel` sends it at once. `lipflow` then checkpoints and
/// exits with 130; with `--requeue`, a task stopped that way while its job was not cancelled asks
/// Slurm to requeue it, and the requeued task resumes from the checkpoint.
struct SlurmBatchScript {
  /// Absolute path of the `lipflow` executable the tasks run (on a file system the nodes share).
  let executable: String
  /// The frozen copy of the spec the tasks read.
  let spec: String
  /// `--profile`, `--set`, `--runs-dir`, `--results-dir` as arguments.
  let specArguments: [String]
  /// The runs, in task order.
  let runs: [String]
  /// The experiment name (job names).
  let experiment: String
  /// Where the logs go.
  let logs: String
  /// The sbatch settings.
  let options: SlurmOptions

  /// The array script.
  var arrayScript: String {
    var lines = ["#!/bin/bash", "# lipflow: \(runs.count) run(s) of experiment '\(experiment)', one task each; written by 'lipflow run --launcher slurm'."]
    let array = "0-\(runs.count - 1)" + (options.arrayParallelism.map { "%\($0)" } ?? "")
    let directives = [
      "--job-name=lipflow-\(experiment)", "--array=\(array)", "--output=\(logs)/%A_%a.log", "--open-mode=append",
      "--signal=B:TERM@\(options.signalSeconds)",
    ] + options.directives
    lines += directives.map { "#SBATCH " + $0 }
    lines += ["set -u", "runs=("] + runs.map { "  " + SpecOptions.shellQuoted($0) } + [")", "run=${runs[$SLURM_ARRAY_TASK_ID]}"]
    lines.append("task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"")
    lines.append("echo \"lipflow task $task: $run on $(hostname), restart ${SLURM_RESTART_COUNT:-0}\"")
    let command = [executable, "run", spec] + specArguments + ["--threads", String(options.cpusPerTask), "--progress", "lines", "--no-report", "--no-estimate"]
    lines.append(command.map(SpecOptions.shellQuoted).joined(separator: " ") + " --only \"$run\" &")
    lines += [
      "child=$!",
      "trap 'kill -TERM \"$child\" 2>/dev/null' TERM INT",
      "status=0",
      "wait \"$child\" || status=$?",
      "if [ \"$status\" -gt 128 ] && kill -0 \"$child\" 2>/dev/null; then status=0; wait \"$child\" || status=$?; fi",
    ]
    if options.requeue {
      lines += [
        "if [ \"$status\" -eq 130 ]; then",
        "  state=$(scontrol show job \"$task\" 2>/dev/null | sed -n 's/.*JobState=\\([A-Z_]*\\).*/\\1/p' | head -1)",
        "  if [ \"$state\" != CANCELLED ]; then echo \"lipflow task $task: interrupted, requeued\"; scontrol requeue \"$task\"; fi",
        "fi",
      ]
    }
    lines.append("exit \"$status\"")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The report script, run after every task of `arrayJob` has ended.
  func reportScript(after arrayJob: String) -> String {
    let directives = [
      "--job-name=lipflow-\(experiment)-report", "--output=\(logs)/report-%j.log", "--dependency=afterany:\(arrayJob)", "--cpus-per-task=1",
    ] + [options.partition.map { "--partition=\($0)" }, options.account.map { "--account=\($0)" }, options.qos.map { "--qos=\($0)" }].compactMap { $0 }
    var lines = ["#!/bin/bash", "# lipflow: the report of experiment '\(experiment)' after array job \(arrayJob)."]
    lines += directives.map { "#SBATCH " + $0 }
    lines.append(([executable, "report", spec] + specArguments).map(SpecOptions.shellQuoted).joined(separator: " "))
    return lines.joined(separator: "\n") + "\n"
  }
}
