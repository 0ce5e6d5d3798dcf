import ArgumentParser
import FlowCore
import Foundation
import Harness

/// `lipflow run SPEC`: trains every run of a spec that is not completed yet, resuming
/// interrupted ones, then writes the report.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Train the runs of a spec (resuming any that were interrupted) and write its report.",
    discussion: """
      Ctrl-C (SIGINT) or SIGTERM stops after the current iteration with a checkpoint; run the same command again to resume. \
      A second Ctrl-C exits at once. Exit status: 0 done, 1 a run failed, 2 the spec or command line is wrong, 130 interrupted.
      """)

  @OptionGroup var options: SpecOptions

  @Option(help: "Runs trained at the same time, each in its own process.")
  var jobs = 1

  @Option(help: "Threads per training process (default: all CPUs with --jobs 1, else 1).")
  var threads: Int?

  @Flag(help: "List the runs with their parameter counts and estimated times; train nothing.")
  var dryRun = false

  @Option(name: .customLong("only"), help: "Train only the runs with this identifier or matching this glob, e.g. 'idensenet-*' (repeatable).")
  var only: [String] = []

  @Option(help: "Train only the runs of these rows (model names, comma-separated or repeated); the report still shows the whole table.")
  var rows: [String] = []

  @Option(help: "Train only the runs of these columns (dataset names, comma-separated or repeated); the report still shows the whole table.")
  var columns: [String] = []

  @Option(help: "Progress display: auto, bar, lines, none.")
  var progress: ProgressStyle = .auto

  @Flag(inversion: .prefixedNo, help: "Write the report when the runs are done.")
  var report = true

  @Flag(inversion: .prefixedNo, help: "Measure and print the estimated total time first.")
  var estimate = true

  @Option(help: ArgumentHelp("The lipflow executable workers run (default: this one).", visibility: .hidden))
  var workerExecutable: String?

  @Option(help: "Where runs train: local (worker processes here, --jobs) or slurm (a job array, one task per run, and a report job).")
  var launcher: LauncherKind = .local

  @OptionGroup(title: "Slurm (with --launcher slurm)")
  var slurm: SlurmOptions

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
  }

  var threadCount: Int { threads ?? (jobs == 1 ? ProcessInfo.processInfo.activeProcessorCount : 1) }

  func run() throws {
    let plan = try options.plan()
    let selection = try RunSelection(plan: plan, patterns: only, rows: rows.flatMap(RunCommand.names), columns: columns.flatMap(RunCommand.names))
    let directory = options.runsDirectory(of: plan)
    let states = selection.runs.map { RunDirectoryState.inspect($0, directory: directory + "/" + $0.identifier) }
    if dryRun && launcher == .local {
      try printPlan(plan, runs: selection.runs, states: states, directory: directory)
      return
    }
    let refusals = zip(selection.runs, states).compactMap { $1.refusal(directory: directory + "/" + $0.identifier) }
    guard refusals.isEmpty else { throw CommandFailure.configurationChanged(refusals) }
    if launcher == .slurm {
      try submitToSlurm(plan, runs: selection.runs, states: states, directory: directory)
      return
    }
    var outcomes = skipUnreadable(selection.runs, states: states)
    Interruption.install(secondSignal: .exits)
    let pending = try prepare(zip(selection.runs, states).filter { $1.isPending }.map(\.0), directory: directory)
    say("run: \(pending.count) of \(selection.runs.count) runs to train under \(directory) (\(jobs) job\(jobs == 1 ? "" : "s"), \(threadCount) thread\(threadCount == 1 ? "" : "s") each)")
    let progressiveReport = ProgressiveReport(
      plan: plan, runsRoot: options.runsDir, resultsDirectory: options.resultsDirectory(of: plan), isEnabled: report && !selection.isPartial, runCount: pending.count)
    outcomes.merge(try train(pending, plan: plan, directory: directory, finished: progressiveReport.runFinished)) { $1 }
    try writeReport(plan, selection: selection, directory: directory)
    try conclude(outcomes, pending: pending, selection: selection)
  }

  /// Says which runs are skipped because their directory cannot be read; their outcomes (errors).
  func skipUnreadable(_ runs: [RunSpec], states: [RunDirectoryState]) -> [String: RunOutcome] {
    var outcomes: [String: RunOutcome] = [:]
    for (run, state) in zip(runs, states) {
      if case .unreadable(let reason) = state {
        printError("error: \(run.identifier): \(reason); the run is skipped")
        outcomes[run.identifier] = .error(reason)
      }
    }
    return outcomes
  }

  /// Checks that `directory` has room for `pending` and, with the estimate, prints it and orders
  /// the runs cheapest first.
  func prepare(_ pending: [RunSpec], directory: String) throws -> [RunSpec] {
    try RunsDirectory.preflight(directory, needed: pending.reduce(0) { $0 + RunsDirectory.bytesNeeded(by: $1) })
    guard estimate && !pending.isEmpty else { return pending }
    let remaining = printEstimate(pending, directory: directory)
    return TrainingOrder.cheapestFirst(remaining).map { pending[$0] }
  }

  /// `--launcher slurm`: submits what is neither completed, queued nor training.
  func submitToSlurm(_ plan: ExperimentPlan, runs: [RunSpec], states: [RunDirectoryState], directory: String) throws {
    let executable = URL(fileURLWithPath: workerExecutable ?? "/proc/self/exe").resolvingSymlinksInPath().path
    let launcher = SlurmLauncher(plan: plan, options: options, slurm: slurm, directory: directory, executable: executable)
    let (submit, skipped) = launcher.runsToSubmit(runs, states: states)
    let completed = zip(runs, states).filter { $1 == .completed }.count
    say("slurm: \(submit.count) of \(runs.count) runs to submit (\(completed) completed, \(skipped.count) queued or training)")
    for line in skipped { say("slurm: skipped \(line)") }
    if !dryRun { try RunsDirectory.preflight(directory, needed: submit.reduce(0) { $0 + RunsDirectory.bytesNeeded(by: $1) }) }
    try launcher.launch(submit, dryRun: dryRun)
  }

  /// Trains `pending` in this process or in workers; `finished` hears of each run as it ends.
  func train(
    _ pending: [RunSpec], plan: ExperimentPlan, directory: String, finished: (String, RunOutcome) -> Void = { _, _ in }
  ) throws -> [String: RunOutcome] {
    let provenance = (commit: BuildInfo.commit, host: Provenance.host)
    let orders = pending.map { run in
      RunOrder(
        run: run, directory: directory + "/" + run.identifier, specFile: plan.specPath, experiment: plan.name, profile: plan.profile,
        overrides: plan.overrides.map(\.description), commit: provenance.commit, host: provenance.host)
    }
    if jobs > 1 && pending.count > 1 {
      let executable = URL(fileURLWithPath: workerExecutable ?? "/proc/self/exe").resolvingSymlinksInPath()
      return try WorkerLauncher(executable: executable, jobs: jobs, threads: threadCount, progress: progress).train(orders, finished: finished)
    }
    var outcomes: [String: RunOutcome] = [:]
    for (index, (run, order)) in zip(pending, orders).enumerated() where !Interruption.isRequested {
      let trainer = RunTrainer(run, order: order, threads: threadCount, figures: .draw)
      let outcome = RunOutcome.train(
        run, with: trainer, position: "\(index + 1)/\(pending.count)", progress: progress, shouldStop: { Interruption.isRequested })
      outcomes[run.identifier] = outcome
      finished(run.identifier, outcome)
    }
    return outcomes
  }

  /// Writes the report unless told not to or only part of the plan was selected (and says so).
  func writeReport(_ plan: ExperimentPlan, selection: RunSelection, directory: String) throws {
    guard report else { return }
    guard !selection.isPartial else {
      say("report: not written (--only selects part of the plan); write it with: lipflow report \(options.commandLine)")
      return
    }
    let written = try TableReport(plan: plan, runsRoot: options.runsDir, resultsDirectory: options.resultsDirectory(of: plan)).write()
    say("report: wrote \(written.markdown) and \(written.csv)")
  }

  /// Throws the failure the outcomes amount to, if any.
  func conclude(_ outcomes: [String: RunOutcome], pending: [RunSpec], selection: RunSelection) throws {
    let busy = outcomes.filter { if case .busy = $0.value { return true } else { return false } }.keys.sorted()
    if !busy.isEmpty { say("run: \(busy.count) run\(busy.count == 1 ? "" : "s") skipped, owned by another process: \(busy.joined(separator: ", "))") }
    let conclusion = RunConclusion(
      outcomes: outcomes, pending: pending.map(\.identifier), interruptionRequested: Interruption.isRequested, isPartial: selection.isPartial)
    if let failure = conclusion.failure { throw failure }
  }

  /// The `--dry-run` listing.
  func printPlan(_ plan: ExperimentPlan, runs: [RunSpec], states: [RunDirectoryState], directory: String) throws {
    say("\(plan.specPath): experiment '\(plan.name)', profile '\(plan.profile)', \(runs.count) runs, directory \(directory)")
    for override in plan.overrides { say("  override \(override.description)") }
    var timer = StepTimer(threads: threadCount)
    var total = 0.0
    for (run, state) in zip(runs, states) {
      if let missing = run.data.missingData {
        say("  \(run.identifier): will not run: \(missing)")
        continue
      }
      let perIteration = timer.secondsPerIteration(of: run)
      total += perIteration * Double(run.training.iterations)
      var line = String(
        format: "  %@: %d parameters, %d iterations, %.3f s/iteration, %@ [%@]", run.identifier, run.parameterCount, run.training.iterations,
        perIteration, TableReport.duration(perIteration * Double(run.training.iterations)), RunCommand.describe(state, run: run))
      if let match = run.budgetMatch { line += " (growth \(match.growth) matches \(match.model)'s \(match.targetParameters) parameters)" }
      say(line)
    }
    say("  total: \(TableReport.duration(total)) of training at \(threadCount) thread(s), about \(TableReport.duration(total / Double(jobs))) with \(jobs) job(s)")
  }

  /// `new`, `completed`, `interrupted 300/1500`, `changed configuration`, `unreadable manifest`.
  static func describe(_ state: RunDirectoryState, run: RunSpec) -> String {
    switch state {
    case .new: return "new"
    case .completed: return "completed"
    case .resumable(let status, let done): return "\(status.rawValue) \(done)/\(run.training.iterations)"
    case .changed(_, _, let keyPaths): return "holds another configuration" + (keyPaths.isEmpty ? "" : " (\(keyPaths.joined(separator: ", ")))")
    case .unreadable: return "unreadable manifest"
    }
  }

  /// Measures one step of each distinct model, prints the expected wall time per column and in
  /// all, and returns each run's estimated remaining seconds (nil for runs whose data is missing).
  func printEstimate(_ runs: [RunSpec], directory: String) -> [Double?] {
    var timer = StepTimer(threads: threadCount)
    let remaining: [Double?] = runs.map { run in
      guard run.data.missingData == nil else { return nil }
      let done = (try? RunManifest.read(directory: directory + "/" + run.identifier))??.iterationsCompleted ?? 0
      return timer.secondsPerIteration(of: run) * Double(run.training.iterations - done)
    }
    var columns: [String] = []
    for run in runs where !columns.contains(run.datasetName) { columns.append(run.datasetName) }
    let parallel = Double(min(jobs, max(runs.count, 1)))
    for column in columns {
      let seconds = zip(runs, remaining).filter { $0.0.datasetName == column }.compactMap(\.1).reduce(0, +)
      say("estimate: \(column): \(TableReport.duration(seconds)) of training (\(TableReport.duration(seconds / parallel)) with \(jobs) job(s))")
    }
    let total = remaining.compactMap { $0 }.reduce(0, +)
    say("estimate: \(TableReport.duration(total / parallel)) for \(runs.count) runs with \(jobs) job(s) at \(threadCount) thread(s) each, cheapest first (measured step times; evaluation adds a little)")
    return remaining
  }

  /// `a,b` or `a` as names.
  static func names(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }
}
