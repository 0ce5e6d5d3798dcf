import FlowCore
import Foundation
import Harness
import LipFlowTestSupport
import Testing

@Suite("Runner")
struct RunnerTests {
  func run(_ identifier: String, text: String = smallSpec) throws -> RunSpec {
    try #require(try ExperimentPlan.parse(text).runs.first { $0.identifier == identifier })
  }

  func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

  @Test("A run interrupted twice and resumed ends bit-identical to an uninterrupted one, also after its newest checkpoint was torn")
  func resumeIsBitIdentical() throws {
    let spec = try run("idensenet-moons")
    let straight = temporaryDirectory("straight")
    guard case .completed(let expected) = try trainer(spec, in: straight).train() else { Issue.record("did not complete"); return }

    let resumed = temporaryDirectory("resumed")
    var iterations = 0
    let first = try trainer(spec, in: resumed).train(shouldStop: { iterations += 1; return iterations == 7 })
    #expect(first == .interrupted(iteration: 7))
    iterations = 0
    // 16 checks: after iterations 8…15, before the evaluation chunk at 15, after 16…22.
    let second = try trainer(spec, in: resumed).train(shouldStop: { iterations += 1; return iterations == 16 })
    #expect(second == .interrupted(iteration: 22))
    // A kill -9 during a checkpoint write: the newest file is torn, the previous one (iteration 20) is used.
    let latest = resumed + "/checkpoint.bin"
    try contents(latest)!.prefix(64).write(to: URL(fileURLWithPath: latest))
    guard case .completed(let evaluation) = try trainer(spec, in: resumed).train() else { Issue.record("did not complete"); return }
    #expect(evaluation == expected)
    #expect(evaluation.testNLL.bitPattern == expected.testNLL.bitPattern)
    var final = try TrainingState(decoding: contents(resumed + "/checkpoint.bin")!, path: "resumed")
    var reference = try TrainingState(decoding: contents(straight + "/checkpoint.bin")!, path: "straight")
    final.elapsedSeconds = 0  // wall time, the one thing allowed to differ
    reference.elapsedSeconds = 0
    #expect(final == reference, "final training state differs")
    #expect(!final.parameters.isEmpty && !final.powerIterations.isEmpty && final.powerIterations.allSatisfy { $0.vectors.count == 2 })
    let strip = { (path: String) in MetricRow.read(path: path).map { [$0.iteration, Int($0.loss.bitPattern), Int(($0.testNLL ?? 0).bitPattern)] } }
    #expect(strip(resumed + "/metrics.csv") == strip(straight + "/metrics.csv"))
    let manifest = try #require(try RunManifest.read(directory: resumed))
    #expect(manifest.status == .completed && manifest.sessions == 3 && manifest.iterationsCompleted == 30)
    let history = try #require(manifest.sessionHistory)
    // Each session says which iterations it kept: the third resumed from 20, the torn 22's predecessor.
    #expect(history.map { [$0.fromIteration, $0.toIteration] } == [[0, 7], [7, 22], [20, 30]], "\(history)")
    #expect(history.map(\.outcome) == [.interrupted, .interrupted, .completed])
    #expect(history.allSatisfy { $0.ended != nil && $0.commit == manifest.commit && $0.host == manifest.host && $0.threads == manifest.threads })
  }

  @Test("A completed run is not trained again, and a directory holding another configuration is refused")
  func completedRunsAreKeptAndConflictsRefused() throws {
    let directory = temporaryDirectory("conflict")
    let spec = try run("resflow-moons")
    guard case .completed(let first) = try trainer(spec, in: directory).train() else { Issue.record("did not complete"); return }
    var calls = 0
    guard case .completed(let again) = try trainer(spec, in: directory).train(shouldStop: { calls += 1; return false }) else { Issue.record("not completed"); return }
    #expect(again == first && calls == 0)
    let other = try run("resflow-moons", text: smallSpec.replacingOccurrences(of: "iterations: 30", with: "iterations: 31"))
    #expect { try trainer(other, in: directory).train() } throws: { "\($0)".contains("holds a run of another configuration") }
  }

  @Test("A run whose loss becomes non-finite is recorded as failed with the reason")
  func failuresAreRecorded() throws {
    let directory = temporaryDirectory("failure")
    let text = smallSpec.replacingOccurrences(of: "learning_rate: 1.0e-3", with: "learning_rate: 1.0e+30")
    let outcome = try trainer(try run("resflow-moons", text: text), in: directory).train()
    guard case .failed(let reason) = outcome else { Issue.record("expected a failure, got \(outcome)"); return }
    #expect(reason.contains("non-finite"))
    #expect(try RunManifest.read(directory: directory)?.status == .failed)
  }

  @Test("The report shows ours ± s.e., the paper's value and the difference, and says which cells were not run")
  func reportShowsEveryCell() throws {
    let plan = try ExperimentPlan.parse(smallSpec)
    let runs = temporaryDirectory("report-runs")
    for run in plan.runs where run.identifier != "idensenet-moons" {
      _ = try trainer(run, in: runs + "/" + run.identifier).train()
    }
    let results = temporaryDirectory("report-results")
    let written = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    let markdown = try String(contentsOfFile: written.markdown, encoding: .utf8)
    let evaluation = try #require(try RunEvaluation.read(directory: runs + "/resflow-moons"))
    #expect(markdown.contains(String(format: "| resflow | **%.3f** ± %.3f · paper 2.60 · Δ %+.3f |", evaluation.testNLL, evaluation.testStandardError, evaluation.testNLL - 2.6)))
    #expect(markdown.contains("not run: mnist not found at /nonexistent/mnist"))
    #expect(markdown.contains("| idensenet | not run yet |"))
    let csv = try String(contentsOfFile: written.csv, encoding: .utf8)
    #expect(csv.contains("resflow,\"\",moons,completed,"))
    #expect(FileManager.default.fileExists(atPath: results + "/small/resflow-moons/manifest.json"))
    #expect(!FileManager.default.fileExists(atPath: results + "/small/resflow-moons/checkpoint.bin"))
  }
}
