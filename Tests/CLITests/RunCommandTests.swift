import Foundation
import Harness
import LipFlowCLI
import LipFlowTestSupport
import Testing

/// `lipflow run` as a user drives it: real argument lists, exit statuses and messages, worker
/// processes of the built executable.
@Suite("lipflow run")
struct RunCommandTests {
  /// A working directory holding `tiny.yaml` (or `text` under `name`).
  func workspace(_ label: String, text: String = tinySpec, name: String = "tiny.yaml") throws -> String {
    let directory = temporaryDirectory(label)
    try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    return directory
  }

  func arguments(_ directory: String, _ extra: [String] = []) -> [String] {
    ["run", directory + "/tiny.yaml", "--runs-dir", directory + "/runs", "--results-dir", directory + "/results", "--progress", "none", "--no-estimate"]
      + extra
  }

  func evaluation(_ directory: String, _ run: String) throws -> RunEvaluation {
    try #require(try RunEvaluation.read(directory: directory + "/runs/tiny/default/" + run))
  }

  @Test("A run directory trained with another configuration is refused, naming the changed key, and nothing is trained")
  func changedConfigurationsAreRefused() throws {
    let directory = try workspace("changed")
    let first = lipflow(arguments(directory))
    #expect(first.status == 0, "\(first)")
    let before = try evaluation(directory, "resflow-moons")
    try tinySpec.replacingOccurrences(of: "hidden: [16, 16]", with: "hidden: [16, 24]").write(toFile: directory + "/tiny.yaml", atomically: true, encoding: .utf8)
    let second = lipflow(arguments(directory))
    #expect(second.status == 2, "\(second)")
    #expect(second.errors.joined().contains("resflow-moons: holds a run of another configuration"))
    #expect(second.errors.joined().contains("changed: model.hidden"))
    #expect(!second.errors.joined().contains("idensenet-moons: holds"))
    #expect(try evaluation(directory, "resflow-moons") == before)
  }

  @Test("Worker processes give the same numbers as training in the parent, and a spec path beginning with '-' works with --jobs")
  func workersMatchTheParent() throws {
    let inProcess = try workspace("in-process")
    #expect(lipflow(arguments(inProcess)).status == 0)
    let workers = try workspace("workers", name: "-tiny.yaml")
    let result = try spawnLipflow(
      ["run", "--jobs", "2", "--runs-dir", "runs", "--results-dir", "results", "--progress", "none", "--no-estimate", "--", "-tiny.yaml"],
      in: workers)
    #expect(result.status == 0, "\(result.output)")
    for run in ["resflow-moons", "idensenet-moons"] {
      let expected = try evaluation(inProcess, run)
      let actual = try evaluation(workers, run)
      #expect(actual.testNLL.bitPattern == expected.testNLL.bitPattern, "\(run): \(actual.testNLL) vs \(expected.testNLL)")
    }
  }

  @Test("A worker trains the configuration it was handed even when the spec file has changed or is gone")
  func workersNeverReadTheSpec() throws {
    let directory = try workspace("order")
    let plan = try ExperimentPlan.load(path: directory + "/tiny.yaml")
    let run = try #require(plan.runs.first)
    try FileManager.default.removeItem(atPath: directory + "/tiny.yaml")
    let order = RunOrder(
      run: run, directory: directory + "/runs/tiny/default/" + run.identifier, specFile: "tiny.yaml", experiment: "tiny", profile: "default",
      overrides: [], commit: "test", host: "test")
    let result = try spawnLipflow(["worker", "--progress", "none"], in: directory, input: try order.encoded())
    #expect(result.status == 0, "\(result.output)")
    let manifest = try #require(try RunManifest.read(directory: order.directory))
    #expect(manifest.status == .completed && manifest.specHash == Provenance.hash(run.resolvedYAML))
  }

  @Test("A worker whose parent is gone stops with a checkpoint instead of training on as an orphan")
  func orphanedWorkersStop() throws {
    let directory = try workspace("orphan")
    let run = try #require(try ExperimentPlan.load(path: directory + "/tiny.yaml").runs.first)
    let order = RunOrder(
      run: run, directory: directory + "/runs/" + run.identifier, specFile: "tiny.yaml", experiment: "tiny", profile: "default", overrides: [],
      commit: "test", host: "test")
    // The worker's real parent is this test process, not pid 1: it behaves as if reparented.
    let result = try spawnLipflow(["worker", "--progress", "none", "--parent", "1"], in: directory, input: try order.encoded())
    #expect(result.status == 130, "\(result.output)")
    let manifest = try #require(try RunManifest.read(directory: order.directory))
    #expect(manifest.status == .interrupted && manifest.iterationsCompleted == 1)
  }

  @Test("A worker killed by a signal leaves its manifest saying so")
  func killedWorkersAreRecorded() throws {
    let long = tinySpec.replacingOccurrences(of: "iterations: 12", with: "iterations: 1000000").replacingOccurrences(of: "checkpoint_every: 4", with: "checkpoint_every: 2")
    let directory = try workspace("killed", text: long)
    let parent = try startLipflow(
      ["run", "tiny.yaml", "--jobs", "2", "--progress", "none", "--no-estimate", "--no-report", "--only", "*-moons"], in: directory)
    defer {
      for worker in children(of: parent.process.processIdentifier) { kill(worker, SIGKILL) }
      kill(parent.process.processIdentifier, SIGKILL)
    }
    let runs = directory + "/runs/tiny/default/"
    let started = waitUntil {
      ["resflow-moons", "idensenet-moons"].allSatisfy { ((try? RunManifest.read(directory: runs + $0))??.iterationsCompleted ?? 0) >= 2 }
    }
    #expect(started, "the workers did not start: \((try? String(contentsOfFile: parent.log, encoding: .utf8)) ?? "")")
    let workers = children(of: parent.process.processIdentifier)
    #expect(workers.count == 2)
    let victim = try #require(workers.first)
    let victimRun = try #require(
      ["resflow-moons", "idensenet-moons"].first { (try? String(contentsOfFile: runs + $0 + "/lock", encoding: .utf8))?.hasPrefix("pid \(victim) ") == true })
    kill(victim, SIGKILL)
    #expect(waitUntil { (try? RunManifest.read(directory: runs + victimRun))??.status == .failed })
    kill(parent.process.processIdentifier, SIGINT)
    #expect(waitUntil { !parent.process.isRunning }, "the parent did not stop on SIGINT")
    #expect(parent.process.terminationStatus == 130)
    let manifest = try #require(try RunManifest.read(directory: runs + victimRun))
    #expect(manifest.error?.contains("worker killed by signal 9") == true, "\(manifest)")
    let other = victimRun == "resflow-moons" ? "idensenet-moons" : "resflow-moons"
    #expect(try RunManifest.read(directory: runs + other)?.status == .interrupted)
  }

  @Test("A requested run whose data is missing exits non-zero; the same run in a whole-table run does not")
  func missingDataOfARequestedRunFails() throws {
    let text = tinySpec.replacingOccurrences(of: "columns: [moons]", with: "columns: [moons, mnist]")
    let directory = try workspace("missing", text: text)
    let requested = lipflow(arguments(directory, ["--only", "resflow-mnist"]))
    #expect(requested.status == 1, "\(requested)")
    #expect(requested.errors.last == "run: 1 requested run could not run: resflow-mnist")
    let whole = lipflow(arguments(directory))
    #expect(whole.status == 0, "\(whole)")
  }

  @Test("One unreadable manifest fails that run only; the others train and the command exits 1")
  func oneCorruptManifestFailsOneRun() throws {
    let directory = try workspace("corrupt")
    let runs = directory + "/runs/tiny/default/"
    try FileManager.default.createDirectory(atPath: runs + "resflow-moons", withIntermediateDirectories: true)
    try Data("{\"run\": ".utf8).write(to: URL(fileURLWithPath: runs + "resflow-moons/manifest.json"))
    let result = lipflow(arguments(directory, ["--no-report"]))
    #expect(result.status == 1, "\(result)")
    #expect(result.errors.contains { $0.hasPrefix("error: resflow-moons: \(runs)resflow-moons/manifest.json: unreadable manifest") })
    #expect(try RunManifest.read(directory: runs + "idensenet-moons")?.status == .completed)
  }

  @Test("File-system errors are one line naming the path and the operating system's reason")
  func fileErrorsAreOneLine() throws {
    let directory = try workspace("io")
    let result = lipflow(["run", directory + "/tiny.yaml", "--runs-dir", "/proc/lipflow-runs", "--progress", "none", "--no-estimate"])
    #expect(result.status == 1)
    #expect(result.errors == ["error: /proc/lipflow-runs/tiny/default: cannot create the runs directory (No such file or directory)"])
  }

  @Test("An --only glob selects runs, a pattern matching none is a usage error, and the skipped report is announced")
  func onlyTakesGlobs() throws {
    let directory = try workspace("glob")
    let none = lipflow(arguments(directory, ["--only", "nothing-*"]))
    #expect(none.status == 2 && none.errors.first?.hasPrefix("error: --only nothing-*: no run of") == true, "\(none)")
    let some = lipflow(arguments(directory, ["--only", "idensenet-*"]))
    #expect(some.status == 0, "\(some)")
    #expect(some.output.contains { $0.hasPrefix("report: not written (--only selects part of the plan)") })
    #expect(try RunManifest.read(directory: directory + "/runs/tiny/default/resflow-moons") == nil)
  }

  @Test("The report is rewritten as each run completes while others are still to train, and not for an --only selection")
  func reportsAreRewrittenAsRunsComplete() throws {
    let directory = try workspace("progressive")
    let whole = lipflow(arguments(directory))
    #expect(whole.status == 0, "\(whole)")
    let updates = whole.output.filter { $0.hasPrefix("report: updated") }
    #expect(updates == ["report: updated \(directory)/results/tiny.md after resflow-moons (1 of 2 runs done)"], "\(whole.output)")
    #expect(whole.output.last?.hasPrefix("report: wrote") == true)
    let selected = try workspace("progressive-only")
    let only = lipflow(arguments(selected, ["--only", "*-moons"]))
    #expect(only.status == 0, "\(only)")
    #expect(!only.output.contains { $0.hasPrefix("report: updated") })
  }

  @Test("A stop that arrives after every run completed is no interruption; runs left unfinished by one are")
  func interruptionsAreReportedOnlyWhenTheyLeftWork() {
    let done = RunConclusion(outcomes: ["a": .completed, "b": .completed], pending: ["a", "b"], interruptionRequested: true, isPartial: false)
    #expect(done.failure == nil)
    let stopped = RunConclusion(outcomes: ["a": .completed, "b": .interrupted], pending: ["a", "b"], interruptionRequested: true, isPartial: false)
    #expect(stopped.failure == .interrupted)
    let neverStarted = RunConclusion(outcomes: ["a": .completed], pending: ["a", "b"], interruptionRequested: true, isPartial: false)
    #expect(neverStarted.failure == .interrupted)
  }
}

extension RunCommandTests {
  @Test("Manifests record the commit the binary was built from, wherever it runs")
  func manifestsRecordTheBinarysCommit() throws {
    let directory = try workspace("commit")
    #expect(lipflow(arguments(directory, ["--only", "resflow-moons"])).status == 0)
    let manifest = try #require(try RunManifest.read(directory: directory + "/runs/tiny/default/resflow-moons"))
    let head = Process()
    head.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    head.arguments = ["git", "-C", repositoryRoot, "rev-parse", "HEAD"]
    let pipe = Pipe()
    head.standardOutput = pipe
    try head.run()
    let commit = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    head.waitUntilExit()
    #expect(commit.count == 40 && manifest.commit.hasPrefix(commit), "manifest \(manifest.commit), repository HEAD \(commit)")
  }
}

extension RunCommandTests {
  @Test("run --launcher slurm --dry-run prints the array script (one task per run, the frozen spec, the signal, the options) and submits nothing")
  func slurmDryRunPrintsTheScript() throws {
    let directory = try workspace("slurm-dry-run")
    let result = lipflow(arguments(directory, [
      "--launcher", "slurm", "--dry-run", "--partition", "gpu", "--time", "01:00:00", "--cpus-per-task", "2", "--requeue",
      "--array-parallelism", "1", "--sbatch-arg=--exclusive", "--worker-executable", "/opt/lipflow",
    ]))
    #expect(result.status == 0, "\(result)")
    let script = result.output.joined(separator: "\n")
    for line in [
      "#SBATCH --array=0-1%1", "#SBATCH --signal=B:TERM@120", "#SBATCH --partition=gpu", "#SBATCH --time=01:00:00", "#SBATCH --cpus-per-task=2",
      "#SBATCH --requeue", "#SBATCH --exclusive", "  resflow-moons", "  idensenet-moons", "scontrol requeue",
    ] {
      #expect(script.contains(line), "missing \(line)")
    }
    #expect(script.contains("/opt/lipflow run \(directory)/runs/tiny/default/slurm/spec-") && script.contains("--threads 2"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/runs/tiny/default/slurm/submissions.json"))
  }
}

extension RunCommandTests {
  @Test("--rows and --columns train part of the table and still write the whole report; unknown names are usage errors")
  func rowsAndColumnsSelectPartOfTheTable() throws {
    let text = tinySpec.replacingOccurrences(of: "columns: [moons]", with: "columns: [moons, mnist]")
    let directory = try workspace("columns", text: text)
    let result = lipflow(arguments(directory, ["--rows", "idensenet", "--columns", "moons"]))
    #expect(result.status == 0, "\(result)")
    #expect(try RunManifest.read(directory: directory + "/runs/tiny/default/idensenet-moons")?.status == .completed)
    #expect(try RunManifest.read(directory: directory + "/runs/tiny/default/resflow-moons") == nil)
    #expect(try RunManifest.read(directory: directory + "/runs/tiny/default/idensenet-mnist") == nil)
    #expect(FileManager.default.fileExists(atPath: directory + "/results/tiny.md"))
    let unknown = lipflow(arguments(directory, ["--columns", "cifar"]))
    #expect(unknown.status == 2 && unknown.errors.first?.hasPrefix("error: --columns cifar: not a column of") == true, "\(unknown)")
  }

  @Test("Runs train cheapest first by estimated remaining time; runs without an estimate first; ties keep plan order")
  func cheapestRunsTrainFirst() {
    #expect(TrainingOrder.cheapestFirst([30, 5, nil, 5, 1_000]) == [2, 1, 3, 0, 4])
    #expect(TrainingOrder.cheapestFirst([]) == [])
  }
}
