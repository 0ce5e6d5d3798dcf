import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// The committed example specs under experiments/.
@Suite("Committed example specs")
struct ExperimentSpecFileTests {
  /// The paths of experiments/*.yaml, sorted.
  static func specPaths() throws -> [String] {
    let directory = repositoryRoot + "/experiments"
    return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted().map { directory + "/" + $0 }
  }

  /// The profile names a spec file declares under `profiles`, in file order.
  static func declaredProfiles(_ path: String) throws -> [String] {
    let mapping = try SpecLoader.load(path: path).mapping(allowedKeys: ExperimentPlan.keys)
    guard let profiles = mapping.optional("profiles") else { return [] }
    guard case .mapping(let entries) = profiles.node else { return [] }
    return entries.compactMap { $0.key.scalar?.string }
  }

  @Test("Every spec in experiments/ declares a ci profile and loads with every profile it declares")
  func everySpecLoadsWithEveryProfile() throws {
    let paths = try ExperimentSpecFileTests.specPaths()
    #expect(paths.count >= 3)
    for path in paths {
      let profiles = try ExperimentSpecFileTests.declaredProfiles(path)
      #expect(profiles.contains("ci"), "\(path) has no ci profile")
      for profile in profiles {
        let plan = try ExperimentPlan.load(path: path, profile: profile)
        #expect(!plan.runs.isEmpty, "\(path) --profile \(profile)")
      }
    }
  }

  @Test("Every ci profile trains each run for seconds: at most 100 iterations of models under a million parameters")
  func ciProfilesAreTiny() throws {
    for path in try ExperimentSpecFileTests.specPaths() {
      let plan = try ExperimentPlan.load(path: path, profile: "ci")
      for run in plan.runs {
        #expect(run.training.iterations <= 100, "\(path) \(run.identifier): \(run.training.iterations) iterations")
        #expect(run.parameterCount <= 1_000_000, "\(path) \(run.identifier): \(run.parameterCount) parameters")
      }
    }
  }

  @Test("The committed quick-profile runs of Table 1 are recognised as theirs: each run's resolved-spec hash is its manifest's, and the completed ones are completed")
  func committedQuickRunsAreRecognised() throws {
    let plan = try ExperimentPlan.load(path: repositoryRoot + "/experiments/table1.yaml", profile: "quick")
    #expect(plan.runs.count == 15)
    var completed = 0
    for run in plan.runs {
      let directory = repositoryRoot + "/results/quick/table1/" + run.identifier
      let manifest = try #require(try RunManifest.read(directory: directory), "\(directory) has no manifest")
      #expect(manifest.specHash == Provenance.hash(run.resolvedYAML), "\(run.identifier)")
      // The cells results/README lists as being retrained are recorded as not run, with the same hash.
      let expected: RunDirectoryState =
        manifest.status == .completed ? .completed : .resumable(manifest.status, iterationsCompleted: manifest.iterationsCompleted)
      #expect(RunDirectoryState.inspect(run, directory: directory) == expected, "\(run.identifier)")
      completed += manifest.status == .completed ? 1 : 0
    }
    #expect(completed >= 12)
  }

  @Test("The committed quick runs of hybrid-mnist are recognised as theirs: each run's resolved-spec hash is its manifest's, all completed")
  func committedHybridRunsAreRecognised() throws {
    let plan = try ExperimentPlan.load(path: repositoryRoot + "/experiments/hybrid-mnist.yaml", profile: "quick")
    #expect(plan.runs.count == 6)
    for run in plan.runs {
      let directory = repositoryRoot + "/results/quick/hybrid-mnist/" + run.identifier
      let manifest = try #require(try RunManifest.read(directory: directory), "\(directory) has no manifest")
      #expect(manifest.specHash == Provenance.hash(run.resolvedYAML), "\(run.identifier)")
      #expect(RunDirectoryState.inspect(run, directory: directory) == .completed, "\(run.identifier)")
    }
  }

  @Test("The committed paper-budget runs of Table 1 are the paper profile's: each one's resolved-spec hash is its manifest's")
  func committedPaperRunsAreRecognised() throws {
    let plan = try ExperimentPlan.load(path: repositoryRoot + "/experiments/table1.yaml", profile: "paper")
    var paperRuns = 0
    for run in plan.runs {
      let directory = repositoryRoot + "/results/table1/" + run.identifier
      guard let manifest = try RunManifest.read(directory: directory), manifest.profile == "paper" else { continue }
      paperRuns += 1
      #expect(manifest.specHash == Provenance.hash(run.resolvedYAML), "\(run.identifier)")
      if manifest.status == .completed { #expect(try RunEvaluation.read(directory: directory)?.iterations == run.training.iterations, "\(run.identifier)") }
    }
    #expect(paperRuns >= 2)
  }
}
