import Foundation
import Harness
import Testing

/// A Residual Flow and an i-DenseNet on 2 moons, a global coefficient axis, and the i-DenseNet's
/// own depth axis (`extra` is added to the i-DenseNet's definition).
func mixedSweepSpec(globalSweep: String = "sweep: {model.coefficient: [0.9, 0.95]}", modelSweep: String = "sweep: {model.depth: [2, 3]}", extra: String = "") -> String {
  """
  experiment: {name: mixed}
  models:
    resflow: {family: resflow, blocks: 2, hidden: [16, 16], coefficient: 0.9}
    idensenet:
      family: idensenet
      blocks: 2
      depth: 4
      growth: 8
      coefficient: 0.9
      concatenation: {coefficient: 0.98}
      \(modelSweep)
  \(extra)
  datasets:
    moons: {kind: toy, distribution: 2moons}
  training: {iterations: 30, batch_size: 64, optimizer: {name: adam, learning_rate: 1.0e-3}}
  evaluation: {test_seed: 9}
  \(globalSweep)
  table: {rows: [resflow, idensenet], columns: [moons]}
  """
}

@Suite("Per-model sweeps")
struct PerModelSweepTests {
  @Test("A model's own sweep multiplies only its own rows, after the global axes, and its identifiers read like a global sweep's")
  func perModelAxesFollowTheGlobalOnes() throws {
    let plan = try ExperimentPlan.parse(mixedSweepSpec(), file: "spec.yaml")
    #expect(plan.runs.map(\.identifier) == [
      "resflow-moons-model.coefficient=0.9", "resflow-moons-model.coefficient=0.95",
      "idensenet-moons-model.coefficient=0.9-model.depth=2", "idensenet-moons-model.coefficient=0.9-model.depth=3",
      "idensenet-moons-model.coefficient=0.95-model.depth=2", "idensenet-moons-model.coefficient=0.95-model.depth=3",
    ])
    #expect(plan.runs.filter { $0.modelName == "idensenet" }.map(\.model.depth) == [2, 3, 2, 3])
    #expect(plan.sweep.map(\.path) == [["model", "coefficient"]])
    #expect(plan.declaredSweep.modelAxes.mapValues { $0.map(\.path) } == ["idensenet": [["model", "depth"]]])
    #expect(plan.declaredSweep.axes(forModel: "resflow").count == 1 && plan.declaredSweep.axes(forModel: "idensenet").count == 2)
  }

  @Test("A model's own sweep gives that model the runs a global sweep would give it alone, and leaves the other rows as they were")
  func perModelSweepMatchesAGlobalSweepOfThatModel() throws {
    let mixed = try ExperimentPlan.parse(mixedSweepSpec(globalSweep: ""), file: "spec.yaml")
    let unswept = try ExperimentPlan.parse(mixedSweepSpec(globalSweep: "", modelSweep: ""), file: "spec.yaml")
    let global = try ExperimentPlan.parse(
      mixedSweepSpec(globalSweep: "sweep: {model.depth: [2, 3]}", modelSweep: "").replacingOccurrences(of: "rows: [resflow, idensenet]", with: "rows: [idensenet]"),
      file: "spec.yaml")
    let describe = { (runs: [RunSpec]) in runs.map { "\($0.identifier) \($0.resolvedYAML)" } }
    #expect(describe(mixed.runs.filter { $0.modelName == "resflow" }) == describe(unswept.runs.filter { $0.modelName == "resflow" }))
    #expect(describe(mixed.runs.filter { $0.modelName == "idensenet" }) == describe(global.runs))
    #expect(mixed.runs.map(\.identifier) == ["resflow-moons", "idensenet-moons-model.depth=2", "idensenet-moons-model.depth=3"])
  }

  @Test("A global depth axis fails on the Residual Flow row; the same axis under the i-DenseNet does not")
  func globalDepthAxisFailsOnResidualFlow() {
    #expect(specError(mixedSweepSpec(globalSweep: "sweep: {model.depth: [2, 3]}", modelSweep: ""))
      == "spec.yaml:17:23: model.depth: 'depth' does not apply to family resflow; its keys are hidden, last_layer")
    #expect(specError(mixedSweepSpec(globalSweep: "")) == "no error")
  }

  @Test("A bad per-model sweep is refused with its file, line, column, key path and what is allowed")
  func badPerModelSweepsAreRefused() {
    #expect(specError(mixedSweepSpec(globalSweep: "", modelSweep: "sweep: {modle.depth: [2, 3]}"))
      == "spec.yaml:11:13: models.idensenet.sweep.modle.depth: a sweep axis is a key path into a run (seed, model, data, training, evaluation), not 'modle'; did you mean 'model'?")
    #expect(specError(mixedSweepSpec(globalSweep: "", modelSweep: "sweep: {model.depth: []}"))
      == "spec.yaml:11:26: models.idensenet.sweep.model.depth: expected a non-empty list of values")
    #expect(specError(mixedSweepSpec(globalSweep: "", modelSweep: "sweep: [2, 3]"))
      == "spec.yaml:11:12: models.idensenet.sweep: expected a mapping of key.path: [values]")
    #expect(specError(mixedSweepSpec(globalSweep: "sweep: {model.depth: [2, 3]}", modelSweep: "sweep: {model.depth: [4]}"))
      == "spec.yaml:11:13: models.idensenet.sweep.model.depth: 'model.depth' is swept both here and by the global sweep (sweep.model.depth); "
      + "allowed: each key path in one of them (sweep: every row; models.<name>.sweep: that model's row)")
    #expect(specError(mixedSweepSpec(globalSweep: "seeds: [0, 1]", modelSweep: "sweep: {seed: [4, 5]}"))
      == "spec.yaml:11:13: models.idensenet.sweep.seed: 'seed' is both swept and listed under 'seeds'; "
      + "allowed: one of them (seeds: replicates of each cell; sweep: one row per seed)")
  }

  @Test("A per-model sweep is not allowed inside an image or dataset overlay")
  func overlaysCannotSweep() {
    #expect(specError(mixedSweepSpec(globalSweep: "", modelSweep: "image: {sweep: {model.depth: [2]}}")).contains(
      "models.idensenet.image.sweep: unknown key 'sweep'; allowed: label, family, blocks, hidden, depth, growth, activation, coefficient, "
        + "concatenation, last_layer, estimator, gradient, memory, power_iterations, scales, fc_blocks, fc_hidden"))
  }

  @Test("Replicate seeds stay the last axis after a model's own axes, and the run count counts each row's points")
  func seedsFollowPerModelAxes() throws {
    let plan = try ExperimentPlan.parse(mixedSweepSpec(globalSweep: "seeds: [0, 1]"), file: "spec.yaml")
    #expect(plan.runs.map(\.identifier) == [
      "resflow-moons-seed=0", "resflow-moons-seed=1",
      "idensenet-moons-model.depth=2-seed=0", "idensenet-moons-model.depth=2-seed=1",
      "idensenet-moons-model.depth=3-seed=0", "idensenet-moons-model.depth=3-seed=1",
    ])
    let values = (0..<300).map(String.init).joined(separator: ", ")
    #expect(specError(mixedSweepSpec(globalSweep: "sweep: {training.iterations: [\(values)]}", modelSweep: "sweep: {model.growth: [\((1...200).map { String($0 * 2) }.joined(separator: ", "))]}"))
      == "spec.yaml:17:8: sweep: 60300 runs (1 column × 60300 rows with their sweep points); allowed: at most 50000 runs")
  }

  @Test("The report has one row per model and sweep point, labelled with the point's assignments in axis order")
  func reportRowsFollowTheSweepPoints() throws {
    let plan = try ExperimentPlan.parse(mixedSweepSpec(), file: "spec.yaml")
    let report = TableReport(plan: plan, runsDirectory: NSTemporaryDirectory() + "lipflow-no-runs-\(UUID().uuidString)")
    let markdown = report.markdown(cells: report.cells())
    let labels = [
      "resflow [model.coefficient=0.9]", "resflow [model.coefficient=0.95]",
      "idensenet [model.coefficient=0.9, model.depth=2]", "idensenet [model.coefficient=0.9, model.depth=3]",
      "idensenet [model.coefficient=0.95, model.depth=2]", "idensenet [model.coefficient=0.95, model.depth=3]",
    ]
    let positions = labels.map { markdown.range(of: "| \($0) |")?.lowerBound }
    #expect(positions.allSatisfy { $0 != nil }, "\(markdown)")
    #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
  }
}
