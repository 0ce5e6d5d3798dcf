import ArgumentParser
import FlowCore
import Foundation
import Harness

/// How progress is shown.
enum ProgressStyle: String, ExpressibleByArgument, CaseIterable {
  /// A live status line on a terminal, plain lines otherwise.
  case auto
  /// A live status line.
  case bar
  /// One line per logging point.
  case lines
  /// Nothing but the start and end of runs.
  case none
}

/// `lipflow run SPEC`: trains every run of a spec that is not completed yet, resuming
/// interrupted ones, then writes the report.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Train the runs of a spec (resuming any that were interrupted) and write its report.",
    discussion: "Ctrl-C (SIGINT) or SIGTERM stops after the current iteration with a checkpoint; run the same command again to resume.")

  @OptionGroup var options: SpecOptions

  @Option(help: "Runs trained at the same time, each in its own process.")
  var jobs = 1

  @Option(help: "Threads per training process (default: all CPUs with --jobs 1, else 1).")
  var threads: Int?

  @Flag(help: "List the runs with their parameter counts and estimated times; train nothing.")
  var dryRun = false

  @Option(name: .customLong("only"), help: "Train only this run (repeatable).")
  var only: [String] = []

  @Option(help: "Progress display: auto, bar, lines, none.")
  var progress: ProgressStyle = .auto

  @Flag(inversion: .prefixedNo, help: "Write the report when the runs are done.")
  var report = true

  @Flag(inversion: .prefixedNo, help: "Measure and print the estimated total time first.")
  var estimate = true

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
  }

  var threadCount: Int { threads ?? (jobs == 1 ? ProcessInfo.processInfo.activeProcessorCount : 1) }

  func run() throws {
    let plan = try options.plan()
    let unknown = only.filter { name in !plan.runs.contains { $0.identifier == name } }
    if let name = unknown.first {
      printError("error: --only \(name): no such run in \(plan.specPath); runs: \(plan.runs.map(\.identifier).joined(separator: ", "))")
      throw ExitCode(2)
    }
    let selected = only.isEmpty ? plan.runs : plan.runs.filter { only.contains($0.identifier) }
    let directory = options.runsDirectory(of: plan)
    let pending = try selected.filter { try RunManifest.read(directory: directory + "/" + $0.identifier)?.status != .completed }

    if dryRun {
      try printPlan(plan, runs: selected, directory: directory)
      return
    }
    Interruption.install()
    if estimate && !pending.isEmpty { try printEstimate(pending, directory: directory) }
    print("run: \(pending.count) of \(selected.count) runs to train under \(directory) (\(jobs) job\(jobs == 1 ? "" : "s"), \(threadCount) thread\(threadCount == 1 ? "" : "s") each)")
    var outcomes: [String: String] = [:]
    if jobs == 1 || pending.count <= 1 {
      let provenance = (commit: Provenance.commit(), host: Provenance.host)
      for (index, run) in pending.enumerated() where !Interruption.isRequested {
        outcomes[run.identifier] = trainInProcess(run, plan: plan, directory: directory, provenance: provenance, position: "\(index + 1)/\(pending.count)")
      }
    } else {
      outcomes = try trainInWorkers(pending, plan: plan)
    }
    if report && only.isEmpty {
      let written = try TableReport(plan: plan, runsDirectory: directory).write(to: options.resultsDir)
      print("report: wrote \(written.markdown) and \(written.csv)")
    }
    if Interruption.isRequested {
      print("run: interrupted; run the same command again to resume from the last checkpoints")
      throw ExitCode(130)
    }
    let failed = outcomes.filter { $0.value.hasPrefix("failed") || $0.value.hasPrefix("error") }
    if !failed.isEmpty {
      printError("run: \(failed.count) run\(failed.count == 1 ? "" : "s") failed: " + failed.keys.sorted().joined(separator: ", "))
      throw ExitCode(1)
    }
  }

  /// Trains one run in this process; returns a one-word outcome for the summary.
  func trainInProcess(_ run: RunSpec, plan: ExperimentPlan, directory: String, provenance: (commit: String, host: String), position: String) -> String {
    let trainer = RunTrainer(
      run: run, directory: directory + "/" + run.identifier, specFile: plan.specPath, experiment: plan.name, profile: plan.profile,
      overrides: plan.overrides.map(\.description), commit: provenance.commit, host: provenance.host, threads: threadCount, figures: .draw)
    let printer = ProgressPrinter(style: progress, position: position)
    print("[\(position)] \(run.identifier): \(run.training.iterations) iterations")
    do {
      let outcome = try trainer.train(
        shouldStop: { Interruption.isRequested }, progress: { printer.show($0) }, log: { print("[\(position)] \($0)") })
      printer.finish()
      switch outcome {
      case .completed(let evaluation):
        print(String(format: "[%@] %@: completed, test NLL %.4f ± %.4f %@", position, run.identifier, evaluation.testNLL, evaluation.testStandardError, evaluation.unit))
        return "completed"
      case .interrupted(let iteration):
        print("[\(position)] \(run.identifier): interrupted at iteration \(iteration), checkpoint saved")
        return "interrupted"
      case .failed(let reason):
        print("[\(position)] \(run.identifier): failed: \(reason)")
        return "failed"
      case .notRun(let reason):
        print("[\(position)] \(run.identifier): not run: \(reason)")
        return "not-run"
      }
    } catch {
      printer.finish()
      printError("error: \(run.identifier): \(error)")
      return "error"
    }
  }

  /// Trains runs in up to `jobs` child processes of this executable, one run each.
  func trainInWorkers(_ runs: [RunSpec], plan: ExperimentPlan) throws -> [String: String] {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var queue = runs
    var active: [(run: String, process: Process)] = []
    var outcomes: [String: String] = [:]
    let finished = DispatchSemaphore(value: 0)
    var forwarded = false
    var launched = 0
    while !queue.isEmpty || !active.isEmpty {
      if Interruption.isRequested && !forwarded {
        for (_, process) in active where process.isRunning { kill(process.processIdentifier, SIGINT) }
        forwarded = true
        queue.removeAll()
      }
      while active.count < jobs, !queue.isEmpty, !Interruption.isRequested {
        let run = queue.removeFirst()
        launched += 1
        var arguments = ["run", options.spec, "--runs-dir", options.runsDir, "--results-dir", options.resultsDir, "--only", run.identifier]
        arguments += ["--jobs", "1", "--threads", String(threadCount), "--progress", progress == .none ? "none" : "lines", "--no-report", "--no-estimate"]
        if let profile = options.profile { arguments += ["--profile", profile] }
        for override in options.overrides { arguments += ["--set", override] }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.terminationHandler = { _ in finished.signal() }
        print("run: worker \(launched)/\(runs.count) started for \(run.identifier)")
        try process.run()
        active.append((run.identifier, process))
      }
      _ = finished.wait(timeout: .now() + 1)
      for (identifier, process) in active where !process.isRunning {
        outcomes[identifier] = process.terminationStatus == 0 ? "completed" : (process.terminationStatus == 130 ? "interrupted" : "failed (exit \(process.terminationStatus))")
      }
      active.removeAll { !$0.process.isRunning }
    }
    return outcomes
  }

  /// The `--dry-run` listing.
  func printPlan(_ plan: ExperimentPlan, runs: [RunSpec], directory: String) throws {
    print("\(plan.specPath): experiment '\(plan.name)', profile '\(plan.profile)', \(runs.count) runs, directory \(directory)")
    for override in plan.overrides { print("  override \(override.description)") }
    var timer = StepTimer(threads: threadCount)
    var total = 0.0
    for run in runs {
      let status = try RunManifest.read(directory: directory + "/" + run.identifier).map { "\($0.status.rawValue) \($0.iterationsCompleted)/\($0.iterations)" } ?? "new"
      if let missing = run.data.missingData {
        print("  \(run.identifier): will not run: \(missing)")
        continue
      }
      let parameters = run.parameterCount
      let perIteration = timer.secondsPerIteration(of: run)
      total += perIteration * Double(run.training.iterations)
      var line = String(format: "  %@: %d parameters, %d iterations, %.3f s/iteration, %@ [%@]", run.identifier, parameters, run.training.iterations, perIteration, TableReport.duration(perIteration * Double(run.training.iterations)), status)
      if let match = run.budgetMatch { line += " (growth \(match.growth) matches \(match.model)'s \(match.targetParameters) parameters)" }
      print(line)
    }
    print("  total: \(TableReport.duration(total)) of training at \(threadCount) thread(s), about \(TableReport.duration(total / Double(jobs))) with \(jobs) job(s)")
  }

  /// Measures one step of each distinct model and prints the expected wall time.
  func printEstimate(_ runs: [RunSpec], directory: String) throws {
    var timer = StepTimer(threads: threadCount)
    var total = 0.0
    for run in runs where run.data.missingData == nil {
      let perIteration = timer.secondsPerIteration(of: run)
      let done = try RunManifest.read(directory: directory + "/" + run.identifier)?.iterationsCompleted ?? 0
      total += perIteration * Double(run.training.iterations - done)
    }
    print("estimate: \(TableReport.duration(total / Double(min(jobs, max(runs.count, 1))))) for \(runs.count) runs with \(jobs) job(s) at \(threadCount) thread(s) each (measured step times; evaluation adds a little)")
  }
}

/// Measured step times, one measurement per distinct model and training configuration (the
/// dataset does not change the cost of a toy step).
struct StepTimer {
  let threads: Int
  var measured: [String: Double] = [:]

  init(threads: Int) {
    self.threads = threads
  }

  mutating func secondsPerIteration(of run: RunSpec) -> Double {
    let key = run.resolvedYAML.replacingOccurrences(of: run.data.name, with: "")
    if let known = measured[key] { return known }
    let seconds = RunTrainer.secondsPerIteration(of: run, threads: threads)
    measured[key] = seconds
    return seconds
  }
}

/// Prints training progress as a live line (terminal) or as plain lines.
final class ProgressPrinter {
  let live: Bool
  let quiet: Bool
  let position: String
  var drew = false

  init(style: ProgressStyle, position: String) {
    live = style == .bar || (style == .auto && isatty(STDERR_FILENO) != 0)
    quiet = style == .none
    self.position = position
  }

  func show(_ progress: TrainingProgress) {
    guard !quiet else { return }
    let remaining = Double(progress.iterations - progress.iteration) / max(progress.iterationsPerSecond, 1e-9)
    var text = String(
      format: "[%@] %@ it %d/%d loss %.4f %.1f it/s ETA %@", position, progress.run, progress.iteration, progress.iterations, progress.loss,
      progress.iterationsPerSecond, TableReport.duration(remaining))
    if let nll = progress.testNLL { text += String(format: " test NLL %.4f", nll) }
    if live {
      FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
      drew = true
    } else {
      print(text)
      fflush(stdout)
    }
  }

  func finish() {
    if drew { FileHandle.standardError.write(Data("\n".utf8)) }
    drew = false
  }
}
