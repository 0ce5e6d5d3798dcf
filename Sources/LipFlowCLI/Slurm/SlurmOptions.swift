import ArgumentParser

/// Where the runs of `lipflow run` train.
enum LauncherKind: String, ExpressibleByArgument, CaseIterable {
  /// Worker processes on this machine (`--jobs N`).
  case local
  /// One Slurm job array, one task per run, and a dependent report job.
  case slurm
}

/// The `sbatch` settings of `--launcher slurm`.
struct SlurmOptions: ParsableArguments {
  @Option(help: "Slurm partition.")
  var partition: String?

  @Option(help: "Time limit of each task, HH:MM:SS (or any form sbatch takes).")
  var time: String?

  @Option(help: "CPUs per task; also the task's training threads.")
  var cpusPerTask = 1

  @Option(help: "Memory per task, as sbatch takes it (4G, 4000M).")
  var mem: String?

  @Option(help: "Slurm account.")
  var account: String?

  @Option(help: "Slurm quality of service.")
  var qos: String?

  @Option(help: "At most this many tasks of the array at once.")
  var arrayParallelism: Int?

  @Option(help: "Seconds before the time limit at which a task gets SIGTERM to checkpoint.")
  var signalSeconds = 120

  @Flag(help: "Requeue a task that was stopped by the time-limit signal, so that it resumes.")
  var requeue = false

  @Option(name: .customLong("sbatch-arg"), help: ArgumentHelp("Any other sbatch option, passed as it is (repeatable).", valueName: "ARG"))
  var sbatchArguments: [String] = []

  func validate() throws {
    guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1, got \(cpusPerTask)") }
    if let arrayParallelism, arrayParallelism < 1 { throw ValidationError("--array-parallelism must be at least 1, got \(arrayParallelism)") }
    guard signalSeconds >= 1 else { throw ValidationError("--signal-seconds must be at least 1, got \(signalSeconds)") }
  }

  /// The `#SBATCH` lines these options give (besides the array, output and signal lines).
  var directives: [String] {
    var lines = ["--cpus-per-task=\(cpusPerTask)"]
    if let partition { lines.append("--partition=\(partition)") }
    if let time { lines.append("--time=\(time)") }
    if let mem { lines.append("--mem=\(mem)") }
    if let account { lines.append("--account=\(account)") }
    if let qos { lines.append("--qos=\(qos)") }
    if requeue { lines.append("--requeue") }
    return lines + sbatchArguments
  }
}
