import Foundation
import Harness
import Testing

/// Run identifiers name run directories, so two runs must never share one.
@Suite("Run identifiers")
struct RunIdentifierTests {
  /// Two models and two datasets whose names join into the same identifier.
  let clashing = """
    experiment: {name: clash}
    models:
      resflow: {family: resflow, blocks: 2, hidden: [16, 16], coefficient: 0.9}
      resflow-2: {family: resflow, blocks: 2, hidden: [8], coefficient: 0.9}
    datasets:
      moons: {kind: toy, distribution: 2moons}
      2-moons: {kind: toy, distribution: 2moons}
    training: {iterations: 30, batch_size: 64, optimizer: {name: adam, learning_rate: 1.0e-3}}
    evaluation: {every: 15, test_samples: 500, test_seed: 9}
    table: {rows: [resflow, resflow-2], columns: [moons, 2-moons]}
    """

  @Test("Rows and columns whose names join into the same identifier are rejected, naming both runs")
  func rowAndColumnCollisionsAreRejected() {
    #expect(specError(clashing)
      == "spec.yaml:10:8: table: two runs have the identifier 'resflow-2-moons': model resflow on 2-moons and model resflow-2 on moons; allowed: distinct identifiers (rename a model or a dataset)")
  }

  @Test("Sweep values that differ only in a sign keep distinct identifiers")
  func signsAreKeptInIdentifiers() throws {
    let plan = try ExperimentPlan.parse(smallSpec + "\nsweep:\n  training.optimizer.learning_rate: [1.0e-3, 1.0e+3]\n")
    #expect(plan.runs.prefix(2).map(\.identifier) == [
      "resflow-moons-training.optimizer.learning_rate=1.0e-3", "resflow-moons-training.optimizer.learning_rate=1.0e+3",
    ])
  }

  @Test("Sweep values that become the same identifier are rejected at the axis, naming both runs")
  func sweepCollisionsAreRejected() {
    #expect(specError(smallSpec + "\nsweep:\n  data.label: [\"a b\", a_b]\n")
      == "spec.yaml:27:3: sweep.data.label: two runs have the identifier 'resflow-moons-data.label=a_b': model resflow on moons with data.label=a b and model resflow on moons with data.label=a_b; allowed: distinct identifiers (sweep values that differ in letters, digits or . = _ + -)")
  }

  @Test("A value listed twice in one sweep axis is rejected where it is repeated")
  func duplicateSweepValuesAreRejected() {
    #expect(specError(smallSpec + "\nsweep:\n  seed: [1, 1]\n") == "spec.yaml:27:13: sweep.seed[1]: the value 1 is listed twice; allowed: distinct values")
    #expect(specError(smallSpec + "\nsweep:\n  model.coefficient: [0.9, 0.8, 0.9]\n").hasSuffix("sweep.model.coefficient[2]: the value 0.9 is listed twice; allowed: distinct values"))
  }
}
