import Foundation
import Harness
import LipFlowTestSupport
import Testing

@Suite("The session history of a run's manifest")
struct RunSessionHistoryTests {
  func run(_ identifier: String) throws -> RunSpec {
    try #require(try ExperimentPlan.parse(smallSpec).runs.first { $0.identifier == identifier })
  }

  /// `resflow-moons` trained with one thread in a fresh directory and stopped after 7 iterations.
  func interruptedRun(_ name: String) throws -> (spec: RunSpec, directory: String) {
    let spec = try run("resflow-moons")
    let directory = temporaryDirectory(name)
    var iterations = 0
    _ = try trainer(spec, in: directory, threads: 1).train(shouldStop: { iterations += 1; return iterations == 7 })
    return (spec, directory)
  }

  @Test("A run resumed with another thread count records each session's threads and the iterations it kept")
  func everySessionIsRecorded() throws {
    let (spec, directory) = try interruptedRun("session-history")
    let interrupted = try #require(try RunManifest.read(directory: directory))
    #expect(interrupted.sessionHistory?.count == 1 && interrupted.sessionHistory?.first?.outcome == .interrupted)
    guard case .completed = try trainer(spec, in: directory, threads: 2).train() else { Issue.record("did not complete"); return }
    let manifest = try #require(try RunManifest.read(directory: directory))
    let history = try #require(manifest.sessionHistory)
    #expect(history.map(\.threads) == [1, 2] && manifest.threads == 2, "the summary field holds only the latest session's threads")
    #expect(history.map { [$0.fromIteration, $0.toIteration] } == [[0, 7], [7, 30]], "\(history)")
    #expect(history.map(\.outcome) == [.interrupted, .completed] && history.allSatisfy { $0.ended != nil })
  }

  @Test("A manifest written before the history existed is read, and a resume starts the history there")
  func olderManifestsAreRead() throws {
    let (spec, directory) = try interruptedRun("session-history-old")
    var manifest = try #require(try RunManifest.read(directory: directory))
    manifest.sessionHistory = nil  // as an older build wrote it
    try manifest.write(directory: directory)
    let text = try String(contentsOfFile: directory + "/manifest.json", encoding: .utf8)
    #expect(!text.contains("sessionHistory"))
    guard case .completed = try trainer(spec, in: directory, threads: 1).train() else { Issue.record("did not complete"); return }
    let resumed = try #require(try RunManifest.read(directory: directory))
    #expect(resumed.sessions == 2 && resumed.sessionHistory?.map { [$0.fromIteration, $0.toIteration] } == [[7, 30]])
  }
}
