import Foundation
import Harness
import Testing

/// Large sweeps: validation must stay fast enough to be interactive.
@Suite("Sweep scale")
struct SweepScaleTests {
  /// A toy spec sweeping `seeds` seeds over one row and one column.
  static func seedSweep(_ seeds: Int) -> String {
    """
    experiment: {name: seeds}
    models:
      resflow: {family: resflow, blocks: 2, hidden: [16, 16], coefficient: 0.9}
    datasets:
      moons: {kind: toy, distribution: 2moons}
    training: {iterations: 30, batch_size: 64, optimizer: {name: adam, learning_rate: 1.0e-3}}
    evaluation: {every: 15, test_samples: 500, test_seed: 9}
    sweep:
      seed: [\((0..<seeds).map(String.init).joined(separator: ", "))]
    table: {rows: [resflow], columns: [moons]}
    """
  }

  @Test("A sweep of 20,000 seeds validates into 20,000 runs with distinct identifiers (the time is printed)")
  func twentyThousandRunsValidate() throws {
    let text = SweepScaleTests.seedSweep(20_000)
    let start = Date()
    let plan = try ExperimentPlan.parse(text, file: "seeds.yaml")
    let seconds = Date().timeIntervalSince(start)
    print("validating 20,000 runs took \(String(format: "%.2f", seconds)) s")
    #expect(plan.runs.count == 20_000)
    #expect(Set(plan.runs.map(\.identifier)).count == 20_000)
    #expect(plan.runs.last?.identifier == "resflow-moons-seed=19999" && plan.runs.last?.seed == 19_999)
  }
}
