import FlowCore
import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// Crashes, stops and foreign files around one run directory: every case ends with the numbers of
/// an uninterrupted run, or is refused with its reason.
@Suite("Run reliability")
struct RunReliabilityTests {
  func run(_ identifier: String, text: String = smallSpec) throws -> RunSpec {
    try #require(try ExperimentPlan.parse(text).runs.first { $0.identifier == identifier })
  }

  func completed(_ outcome: TrainingOutcome) -> RunEvaluation? {
    if case .completed(let evaluation) = outcome { return evaluation }
    Issue.record("expected a completed run, got \(outcome)")
    return nil
  }

  /// The metrics rows as exact bit patterns (wall time left out).
  func rows(_ directory: String) -> [[UInt64]] {
    MetricRow.read(path: directory + "/metrics.csv").map {
      [UInt64($0.iteration), $0.loss.bitPattern, ($0.testNLL ?? 0).bitPattern, ($0.testStandardError ?? 0).bitPattern]
    }
  }

  @Test("A process that dies after the last checkpoint but before eval.json resumes to the same final numbers, and metrics.csv agrees with eval.json")
  func crashBeforeTheEvaluationFileResumesIdentically() throws {
    let spec = try run("resflow-moons")
    let straight = temporaryDirectory("final-straight")
    let expected = try #require(completed(try trainer(spec, in: straight).train()))

    let crashed = temporaryDirectory("final-crashed")
    _ = try trainer(spec, in: crashed).train()
    // What a kill -9 after the final checkpoint leaves: no eval.json, the manifest still running.
    try FileManager.default.removeItem(atPath: crashed + "/eval.json")
    var manifest = try #require(try RunManifest.read(directory: crashed))
    manifest.status = .running
    try manifest.write(directory: crashed)

    let resumed = try #require(completed(try trainer(spec, in: crashed).train()))
    #expect(resumed.testNLL.bitPattern == expected.testNLL.bitPattern, "resumed \(resumed.testNLL) vs uninterrupted \(expected.testNLL)")
    #expect(resumed == expected)
    #expect(rows(crashed) == rows(straight))
    let last = try #require(MetricRow.read(path: crashed + "/metrics.csv").last)
    #expect(last.iteration == 30 && last.testNLL?.bitPattern == resumed.testNLL.bitPattern)
  }

  @Test("A stop requested during the final evaluation interrupts it, and the resumed run ends bit-identical")
  func theFinalEvaluationCanBeInterrupted() throws {
    let spec = try run("idensenet-moons")
    let expected = try #require(completed(try trainer(spec, in: temporaryDirectory("evaluation-straight")).train()))
    let directory = temporaryDirectory("evaluation-stopped")
    // 29 checks after iterations 1…29, one before the evaluation chunk at iteration 15; the 31st
    // is the final evaluation's first chunk.
    var calls = 0
    let first = try trainer(spec, in: directory).train(shouldStop: { calls += 1; return calls == 31 })
    #expect(first == .interrupted(iteration: 30))
    #expect(try RunManifest.read(directory: directory)?.status == .interrupted)
    #expect(!FileManager.default.fileExists(atPath: directory + "/eval.json"))
    let resumed = try #require(completed(try trainer(spec, in: directory).train()))
    #expect(resumed.testNLL.bitPattern == expected.testNLL.bitPattern)
  }

  @Test("A checkpoint of another run with the same architecture is skipped, and the run resumes from its own")
  func foreignCheckpointsAreSkipped() throws {
    let spec = try run("resflow-moons")
    let expected = try #require(completed(try trainer(spec, in: temporaryDirectory("foreign-straight")).train()))
    let directory = temporaryDirectory("foreign-own")
    var calls = 0
    _ = try trainer(spec, in: directory).train(shouldStop: { calls += 1; return calls == 12 })
    // Another seed: same architecture, same tensor names and shapes, other numbers.
    let other = try run("resflow-moons", text: smallSpec.replacingOccurrences(of: "seed: 3", with: "seed: 4"))
    let foreign = temporaryDirectory("foreign-other")
    calls = 0
    _ = try trainer(other, in: foreign).train(shouldStop: { calls += 1; return calls == 21 })
    try FileManager.default.removeItem(atPath: directory + "/checkpoint.bin")
    try FileManager.default.copyItem(atPath: foreign + "/checkpoint.bin", toPath: directory + "/checkpoint.bin")

    var warnings: [String] = []
    let resumed = try #require(completed(try trainer(spec, in: directory).train(log: { warnings.append($0) })))
    #expect(resumed.testNLL.bitPattern == expected.testNLL.bitPattern)
    #expect(warnings.contains { $0.contains("checkpoint.bin") && $0.contains("belongs to run resflow-moons (spec hash") })
  }

  @Test("A checkpoint of another architecture falls back to the previous checkpoint instead of failing the run")
  func checkpointsOfAnotherArchitectureFallBack() throws {
    let spec = try run("idensenet-moons")
    let expected = try #require(completed(try trainer(spec, in: temporaryDirectory("architecture-straight")).train()))
    let directory = temporaryDirectory("architecture-own")
    var calls = 0
    _ = try trainer(spec, in: directory).train(shouldStop: { calls += 1; return calls == 22 })
    // A Residual Flow checkpoint relabelled as this run's: the owner fits, the tensors do not.
    let foreign = temporaryDirectory("architecture-other")
    calls = 0
    _ = try trainer(try run("resflow-moons"), in: foreign).train(shouldStop: { calls += 1; return calls == 25 })
    var checkpoint = try TrainingState(decoding: try Data(contentsOf: URL(fileURLWithPath: foreign + "/checkpoint.bin")), path: "foreign")
    checkpoint.owner = CheckpointOwner(run: spec.identifier, specHash: Provenance.hash(spec.resolvedYAML))
    try AtomicFile.write(try checkpoint.encoded(), to: directory + "/checkpoint.bin")

    var warnings: [String] = []
    let resumed = try #require(completed(try trainer(spec, in: directory).train(log: { warnings.append($0) })))
    #expect(resumed.testNLL.bitPattern == expected.testNLL.bitPattern)
    #expect(warnings.contains { $0.contains("checkpoint.bin") && $0.contains("missing parameter ") })
  }

  @Test("A checkpoint of format 2 is refused naming the file and both format versions")
  func checkpointsOfAnotherFormatAreRefusedByVersion() throws {
    let directory = temporaryDirectory("format")
    let spec = try run("resflow-moons")
    _ = try trainer(spec, in: directory).train()
    let path = directory + "/checkpoint.bin"
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    let marker = Array("LIPFLOW-CHECKPOINT-3".utf8)
    #expect(Array(data.prefix(marker.count)) == marker)
    data.replaceSubrange(0..<marker.count, with: Array("LIPFLOW-CHECKPOINT-2".utf8))
    #expect { try TrainingState(decoding: data, path: path) } throws: {
      "\($0)" == "\(path): checkpoint format 2, this lipflow reads format 3; delete it or finish the run with the lipflow that wrote it"
    }
  }

  @Test("A run directory has one owner: a second lock is refused with the holder's pid until the first is released")
  func runDirectoriesHaveOneOwner() throws {
    let directory = temporaryDirectory("lock")
    var first: RunLock? = try RunLock.acquire(directory: directory).get()
    guard case .failure(let holder) = try RunLock.acquire(directory: directory) else {
      Issue.record("a second lock was granted")
      return
    }
    #expect(holder.description.contains("pid \(getpid())"))
    #expect(RunLock.isHeld(directory: directory) != nil && first != nil)
    first = nil
    #expect(RunLock.isHeld(directory: directory) == nil)
    #expect((try? RunLock.acquire(directory: directory).get()) != nil)
  }

  @Test("A trainer that finds its run directory owned by another process leaves it untouched")
  func ownedRunsAreSkipped() throws {
    let directory = temporaryDirectory("owned")
    let lock = try RunLock.acquire(directory: directory).get()
    let outcome = try trainer(try run("resflow-moons"), in: directory).train()
    guard case .busy(let holder) = outcome else {
      Issue.record("expected busy, got \(outcome)")
      return
    }
    #expect(holder.description.contains("pid \(getpid())"))
    #expect(try RunManifest.read(directory: directory) == nil)
    withExtendedLifetime(lock) {}
  }

  @Test("The directory state tells new, completed, changed (with the changed key) and unreadable runs apart")
  func directoryStatesAreTold() throws {
    let directory = temporaryDirectory("state")
    let spec = try run("resflow-moons")
    #expect(RunDirectoryState.inspect(spec, directory: directory) == .new)
    _ = try trainer(spec, in: directory).train()
    #expect(RunDirectoryState.inspect(spec, directory: directory) == .completed)
    let changed = try run("resflow-moons", text: smallSpec.replacingOccurrences(of: "hidden: [16, 16]", with: "hidden: [16, 17]"))
    guard case .changed(_, _, let keyPaths) = RunDirectoryState.inspect(changed, directory: directory) else {
      Issue.record("a changed configuration was not noticed")
      return
    }
    #expect(keyPaths == ["model.hidden"])
    try Data("{\"run\": 3".utf8).write(to: URL(fileURLWithPath: directory + "/manifest.json"))
    guard case .unreadable(let reason) = RunDirectoryState.inspect(spec, directory: directory) else {
      Issue.record("a corrupt manifest was not noticed")
      return
    }
    #expect(reason.contains("manifest.json: unreadable manifest"))
  }

  @Test("A full or unwritable runs directory is reported before any run starts")
  func fullOrUnwritableRunsDirectoriesAreReported() throws {
    let directory = temporaryDirectory("preflight")
    #expect { try RunsDirectory.preflight(directory, needed: 5_000_000, available: { _ in 1_000_000 }) } throws: {
      "\($0)" == "\(directory): only 1.0 MB free; the runs to train need about 5.0 MB (checkpoints)"
    }
    #expect(throws: Never.self) { try RunsDirectory.preflight(directory, needed: 5_000_000, available: { _ in 9_000_000 }) }
    #expect { try RunsDirectory.preflight("/proc/lipflow-runs", needed: 1) } throws: {
      "\($0)" == "/proc/lipflow-runs: cannot create the runs directory (No such file or directory)"
    }
  }

  @Test("A run order reads back to the very run the parent resolved, budget match included")
  func runOrdersRoundTrip() throws {
    let plan = try ExperimentPlan.load(path: repositoryRoot + "/experiments/table1.yaml", profile: "ci")
    for spec in plan.runs {
      let order = RunOrder(
        run: spec, directory: "/tmp/x", specFile: "s.yaml", experiment: "e", profile: "ci", overrides: [], commit: "c", host: "h")
      let decoded = try RunOrder.decode(try order.encoded(), source: "test")
      let rebuilt = try decoded.runSpec()
      #expect(rebuilt.resolvedYAML == spec.resolvedYAML && rebuilt.budgetMatch == spec.budgetMatch)
      #expect(rebuilt.identifier == spec.identifier && rebuilt.assignments == spec.assignments)
    }
    #expect { try RunOrder.decode(Data("{\"run\": 1}".utf8), source: "<stdin>") } throws: {
      "\($0)".hasPrefix("<stdin>: not a run order (run: expected String")
    }
  }
}

extension RunReliabilityTests {
  @Test("The status line tells pending, running (who holds the lock), stopped, interrupted, failed and completed runs apart")
  func statusLinesTellRunsApart() throws {
    let spec = try run("resflow-moons")
    let directory = temporaryDirectory("status")
    #expect(RunStatusLine.describe(spec, directory: directory) == "pending (not started)")
    var calls = 0
    _ = try trainer(spec, in: directory).train(shouldStop: { calls += 1; return calls == 12 })
    #expect(RunStatusLine.describe(spec, directory: directory) == "interrupted at iteration 12/30; resumable")
    var manifest = try #require(try RunManifest.read(directory: directory))
    manifest.status = .running
    try manifest.write(directory: directory)
    #expect(RunStatusLine.describe(spec, directory: directory) == "stopped at iteration 12/30 without a record (process killed?); resumable")
    do {
      let lock = try RunLock.acquire(directory: directory).get()
      let running = RunStatusLine.describe(spec, directory: directory)
      #expect(running.hasPrefix("running (pid \(getpid()) on ") && running.contains("iteration 12/30, loss "), "\(running)")
      withExtendedLifetime(lock) {}
    }
    manifest.status = .failed
    manifest.error = "non-finite training loss"
    try manifest.write(directory: directory)
    #expect(RunStatusLine.describe(spec, directory: directory) == "failed at iteration 12/30: non-finite training loss")
    _ = try trainer(spec, in: directory).train()
    #expect(RunStatusLine.describe(spec, directory: directory).hasPrefix("completed, test NLL "))
  }
}
