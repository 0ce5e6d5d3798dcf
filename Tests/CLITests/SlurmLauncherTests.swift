import Foundation
import Harness
import LipFlowCLI
import LipFlowTestSupport
import Testing

/// Whether a Slurm cluster answers here (`scripts/slurm-cluster.sh up` starts a one-node one).
let slurmIsUp: Bool = {
  guard let sinfo = try? ChildProcess.run("sinfo", ["-h", "-o", "%T"]) else { return false }
  return sinfo.status == 0 && ["idle", "mixed", "allocated"].contains { sinfo.standardOutput.contains($0) }
}()

/// Runs a command (`arguments[0]`, found on `PATH`) and returns its standard output, whatever its status.
@discardableResult
func shell(_ arguments: [String]) throws -> String {
  guard let command = arguments.first else { return "" }
  return try ChildProcess.run(command, Array(arguments.dropFirst())).standardOutput
}

@Suite("Slurm availability")
struct SlurmAvailabilityTests {
  @Test("CI has a Slurm cluster for the launcher tests (make test starts one with scripts/slurm-cluster.sh up)")
  func continuousIntegrationHasSlurm() {
    guard ProcessInfo.processInfo.environment["CI"] == "true" else { return }
    #expect(slurmIsUp, "CI=true but no Slurm cluster answers: the Slurm launcher tests would be skipped")
  }
}

/// `lipflow run --launcher slurm` against the real one-node cluster of `scripts/slurm-cluster.sh`.
@Suite("Slurm launcher", .serialized, .enabled(if: slurmIsUp, "no Slurm cluster answers here; start one with scripts/slurm-cluster.sh up (as root)"))
struct SlurmLauncherTests {
  /// Four runs: two models × two seeds on 2 moons.
  func sweepSpec(iterations: Int) -> String {
    tinySpec.replacingOccurrences(of: "iterations: 12", with: "iterations: \(iterations)")
      .replacingOccurrences(of: "\ntable:", with: "\nsweep: {seed: [1, 2]}\ntable:")
  }

  func workspace(_ label: String, iterations: Int) throws -> String {
    let directory = temporaryDirectory(label)
    try sweepSpec(iterations: iterations).write(toFile: directory + "/sweep.yaml", atomically: true, encoding: .utf8)
    return directory
  }

  func slurm(_ directory: String, _ extra: [String] = []) -> CommandResult {
    lipflow(["run", directory + "/sweep.yaml", "--runs-dir", directory + "/runs", "--results-dir", directory + "/results", "--launcher", "slurm",
      "--worker-executable", lipflowExecutable] + extra)
  }

  func local(_ directory: String) -> CommandResult {
    lipflow(["run", directory + "/sweep.yaml", "--runs-dir", directory + "/runs", "--results-dir", directory + "/results", "--progress", "none",
      "--no-estimate", "--threads", "1"])
  }

  /// Every run's final test NLL bits and its manifest, by run.
  func outcomes(_ directory: String) throws -> [String: (bits: UInt64, sessions: Int)] {
    let plan = try ExperimentPlan.load(path: directory + "/sweep.yaml")
    var result: [String: (bits: UInt64, sessions: Int)] = [:]
    for run in plan.runs {
      let folder = directory + "/runs/tiny/default/" + run.identifier
      guard let evaluation = try RunEvaluation.read(directory: folder), let manifest = try RunManifest.read(directory: folder) else { continue }
      result[run.identifier] = (evaluation.testNLL.bitPattern, manifest.sessions)
    }
    return result
  }

  /// The report's CSV without the wall-time column.
  func table(_ directory: String) throws -> [String] {
    let lines = try String(contentsOfFile: directory + "/results/tiny.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    guard let column = lines.first?.split(separator: ",").firstIndex(of: "wall_seconds") else { return lines }
    return lines.map { line in line.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != column }.map(\.element).joined(separator: ",") }
  }

  func waitForQueue(_ directory: String, timeout: Double = 240) -> Bool {
    waitUntil(timeout: timeout) {
      let mine = (try? shell(["squeue", "-h", "-o", "%i %j"])) ?? "x"
      return !mine.contains("lipflow-tiny")
    }
  }

  @Test("A sweep submitted as a job array ends with the same table as local runs, bit for bit, written by the report job")
  func arraysMatchLocalRuns() throws {
    let reference = try workspace("slurm-local", iterations: 12)
    #expect(local(reference).status == 0)
    let directory = try workspace("slurm-array", iterations: 12)
    let submitted = slurm(directory)
    #expect(submitted.status == 0, "\(submitted)")
    #expect(submitted.output.contains { $0.hasPrefix("slurm: submitted array job ") && $0.contains("(4 tasks") })
    #expect(waitForQueue(directory), "the jobs did not finish")
    let expected = try outcomes(reference)
    let actual = try outcomes(directory)
    #expect(actual.count == 4 && actual.keys.sorted() == expected.keys.sorted())
    for (run, value) in expected { #expect(actual[run]?.bits == value.bits, "\(run)") }
    #expect(try table(directory) == table(reference))
    let again = slurm(directory)
    #expect(again.output.contains("slurm: nothing to submit"), "\(again)")
    let status = lipflow(["status", directory + "/sweep.yaml", "--runs-dir", directory + "/runs", "--launcher", "slurm"])
    #expect(status.output.filter { $0.contains("completed, test NLL") }.count == 4, "\(status)")
  }

  @Test("A cancelled task checkpoints; resubmitting submits only it, and it resumes to the numbers of an uninterrupted run")
  func cancelledTasksResume() throws {
    let reference = try workspace("cancel-local", iterations: 400)
    #expect(local(reference).status == 0)
    let directory = try workspace("cancel-array", iterations: 400)
    #expect(slurm(directory, ["--array-parallelism", "1"]).status == 0)
    let runs = directory + "/runs/tiny/default/"
    let plan = try ExperimentPlan.load(path: directory + "/sweep.yaml")
    let first = try #require(plan.runs.first?.identifier)
    #expect(waitUntil { ((try? RunManifest.read(directory: runs + first))??.iterationsCompleted ?? 0) >= 40 }, "the first task did not start")
    let submission = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runs + "slurm/submissions.json"))) as? [[String: Any]])
    let array = try #require(submission.first?["arrayJob"] as? String)
    try shell(["scancel", "\(array)_0"])
    #expect(waitUntil { (try? RunManifest.read(directory: runs + first))??.status == .interrupted }, "the cancelled task did not checkpoint")
    #expect(waitForQueue(directory), "the other tasks did not finish")
    let resubmitted = slurm(directory)
    #expect(resubmitted.output.contains { $0.hasPrefix("slurm: submitted array job ") && $0.contains("(1 task: \(first))") }, "\(resubmitted)")
    #expect(waitForQueue(directory), "the resubmitted task did not finish")
    let expected = try outcomes(reference)
    let actual = try outcomes(directory)
    for (run, value) in expected { #expect(actual[run]?.bits == value.bits, "\(run)") }
    #expect(actual[first]?.sessions == 2)
  }

  @Test("Two submissions of one sweep train every run exactly once, with the numbers of a local run")
  func twoSubmissionsTrainOnce() throws {
    let reference = try workspace("twice-local", iterations: 60)
    #expect(local(reference).status == 0)
    let directory = try workspace("twice-array", iterations: 60)
    #expect(slurm(directory, ["--array-parallelism", "1"]).status == 0)
    // The same kept script again: its tasks race the first array's for the same run directories.
    let script = try #require(try FileManager.default.contentsOfDirectory(atPath: directory + "/runs/tiny/default/slurm").first { $0.hasPrefix("array-") })
    try shell(["sbatch", directory + "/runs/tiny/default/slurm/" + script])
    #expect(waitForQueue(directory), "the jobs did not finish")
    let expected = try outcomes(reference)
    let actual = try outcomes(directory)
    #expect(actual.count == 4)
    for (run, value) in expected {
      #expect(actual[run]?.bits == value.bits, "\(run)")
      #expect(actual[run]?.sessions == 1, "\(run) was trained by more than one process")
    }
  }
}

extension SlurmLauncherTests {
  @Test("A task signalled as at its time limit checkpoints, requeues itself with --requeue, and resumes to the same numbers")
  func signalledTasksRequeue() throws {
    let reference = try workspace("requeue-local", iterations: 400)
    #expect(local(reference).status == 0)
    let directory = try workspace("requeue-array", iterations: 400)
    #expect(slurm(directory, ["--array-parallelism", "1", "--requeue"]).status == 0)
    let runs = directory + "/runs/tiny/default/"
    let first = try #require(try ExperimentPlan.load(path: directory + "/sweep.yaml").runs.first?.identifier)
    #expect(waitUntil { ((try? RunManifest.read(directory: runs + first))??.iterationsCompleted ?? 0) >= 40 }, "the first task did not start")
    let submission = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runs + "slurm/submissions.json"))) as? [[String: Any]])
    let array = try #require(submission.first?["arrayJob"] as? String)
    // What Slurm does `--signal-seconds` before the time limit: SIGTERM to the batch shell only.
    try shell(["scancel", "--signal=TERM", "--batch", "\(array)_0"])
    #expect(waitForQueue(directory, timeout: 300), "the tasks did not finish")
    let expected = try outcomes(reference)
    let actual = try outcomes(directory)
    for (run, value) in expected { #expect(actual[run]?.bits == value.bits, "\(run)") }
    #expect(actual[first]?.sessions == 2, "the signalled task did not resume in a second session")
    let log = try String(contentsOfFile: runs + "slurm/logs/\(array)_0.log", encoding: .utf8)
    #expect(log.contains("interrupted, requeued") && log.contains("restart 1"), "\(log)")
  }
}
