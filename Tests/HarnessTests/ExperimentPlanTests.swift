import Foundation
import Harness
import LipFlowTestSupport
import Testing

@Suite("Experiment specs")
struct ExperimentPlanTests {
  func error(_ text: String, profile: String? = nil, overrides: [String] = []) -> String {
    do {
      _ = try ExperimentPlan.parse(text, file: "spec.yaml", profile: profile, overrides: overrides.map { try SpecOverride(parsing: $0) })
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test("Table 1's spec resolves in every profile, with the paper's budget by default and scaled budgets in the others")
  func tableOneResolves() throws {
    let path = repositoryRoot + "/experiments/table1.yaml"
    let paper = try ExperimentPlan.load(path: path)
    #expect(paper.profile == "paper")
    #expect(paper.runs.count == 15)
    #expect(paper.runs.filter { $0.data.kind == .toy }.allSatisfy { $0.training.iterations == 50_000 })
    // Images: 200 epochs of 937 (MNIST) or 781 (CIFAR10) batches of 64.
    #expect(paper.runs.filter { $0.data.kind == .mnist }.allSatisfy { $0.training.iterations == 187_400 && $0.training.batchSize == 64 })
    #expect(paper.runs.filter { $0.data.kind == .cifar10 }.allSatisfy { $0.training.iterations == 156_200 })
    #expect(paper.runs.first { $0.identifier == "idensenet-lc-moons" }?.model.concatenation == .learnable(startIteration: 25_000))
    #expect(paper.runs.first { $0.identifier == "resflow-moons" }?.parameterCount == 501_830)
    #expect(paper.runs.first { $0.identifier == "idensenet-moons" }?.parameterCount == 504_100)
    // The paper's reduced image models: the growth matched to the Residual Flow is the paper's
    // 108 (MNIST) and 124 (CIFAR10); counts are the reference's less its 2 unused buffers per block.
    #expect(paper.runs.first { $0.identifier == "resflow-mnist" }?.parameterCount == 4_811_245)
    #expect(paper.runs.first { $0.identifier == "resflow-cifar10" }?.parameterCount == 8_730_409)
    #expect(paper.runs.first { $0.identifier == "idensenet-mnist" }?.model.fixedGrowth == 108)
    #expect(paper.runs.first { $0.identifier == "idensenet-lc-cifar10" }?.model.fixedGrowth == 124)
    let mnist = try #require(paper.runs.first { $0.identifier == "idensenet-lc-mnist" })
    #expect(mnist.model.hidden.isEmpty && mnist.model.scales == 3 && mnist.model.blocks == 4 && mnist.model.coefficient == 0.98)
    #expect(mnist.model.estimator == .russianRoulette(.poisson(2), exactTerms: 2, samples: 1) && mnist.model.gradient == .neumannSeries)
    #expect(mnist.model.trainingPowerIterations == .tolerance(absolute: 1e-3, relative: 1e-3, maximumIterations: 200))
    #expect(mnist.training.gradientClipping == 1 && mnist.training.averageDecay == 0.999 && mnist.training.warmupIterations == 1000)
    #expect(mnist.data.logitAlpha == 1e-6 && paper.runs.first { $0.identifier == "resflow-cifar10" }?.data.logitAlpha == 0.05)
    let quick = try ExperimentPlan.load(path: path, profile: "quick")
    #expect(quick.runs.filter { $0.data.kind == .toy }.allSatisfy { $0.training.iterations == 1500 })
    // The quick image models keep equal budgets: every i-DenseNet within 1 % of its Residual Flow.
    for column in ["mnist", "cifar10"] {
      let budget = try #require(quick.runs.first { $0.identifier == "resflow-\(column)" }).parameterCount
      for row in ["idensenet", "idensenet-lc"] {
        let count = try #require(quick.runs.first { $0.identifier == "\(row)-\(column)" }).parameterCount
        #expect(abs(Double(count - budget)) < 0.01 * Double(budget), "\(row)-\(column): \(count) against \(budget)")
      }
    }
    #expect(quick.runs.first { $0.identifier == "idensenet-lc-moons" }?.model.concatenation == .learnable(startIteration: 750))
    #expect(quick.runs.first { $0.identifier == "idensenet-moons" }?.model.fixedGrowth == 90)
    let ci = try ExperimentPlan.load(path: path, profile: "ci")
    #expect(ci.runs.first { $0.identifier == "resflow-moons" }?.model.hidden == [32, 32])
  }

  @Test("The Lipschitz sweep expands coefficient × depth × growth in declared order with readable run ids")
  func sweepSpecExpands() throws {
    let plan = try ExperimentPlan.load(path: repositoryRoot + "/experiments/lipschitz-sweep.yaml")
    #expect(plan.runs.count == 8)
    #expect(plan.runs.first?.identifier == "idensenet-moons-model.coefficient=0.93-model.depth=3-model.growth=64")
    #expect(plan.runs.last?.identifier == "idensenet-moons-model.coefficient=0.98-model.depth=4-model.growth=90")
    #expect(plan.runs.map(\.model.coefficient) == [0.93, 0.93, 0.93, 0.93, 0.98, 0.98, 0.98, 0.98])
    #expect(plan.runs.map(\.model.depth) == [3, 3, 4, 4, 3, 3, 4, 4])
    #expect(plan.runs.map { $0.model.fixedGrowth } == [64, 90, 64, 90, 64, 90, 64, 90])
  }

  @Test("Misspelled keys, wrong types and out-of-range values are rejected with file, line, column, key path and what is allowed")
  func badSpecsAreRejected() {
    #expect(error(smallSpec.replacingOccurrences(of: "blocks: 2, hidden", with: "blocks: 2, hiden"))
      == "spec.yaml:4:41: models.resflow.hiden: unknown key 'hiden'; allowed: label, family, blocks, hidden, depth, growth, activation, coefficient, concatenation, last_layer, estimator, gradient, memory, power_iterations, scales, fc_blocks, fc_hidden, image, sweep, vnorms, learn_p; did you mean 'hidden'?")
    #expect(error(smallSpec.replacingOccurrences(of: "coefficient: 0.9}", with: "coefficient: 1.2}"))
      == "spec.yaml:4:72: models.resflow.coefficient: 1.2 is out of range; allowed: in (0, 1)")
    #expect(error(smallSpec.replacingOccurrences(of: "depth: 2", with: "depth: 0"))
      == "spec.yaml:8:12: models.idensenet.depth: 0 is out of range; allowed: 1…64")
    #expect(error(smallSpec.replacingOccurrences(of: "batch_size: 64", with: "batch_size: lots"))
      == "spec.yaml:17:15: training.batch_size: expected an integer, found 'lots'")
    #expect(error(smallSpec.replacingOccurrences(of: "family: resflow", with: "family: resflows"))
      == "spec.yaml:4:21: models.resflow.family: 'resflows' is not allowed; allowed: iresnet, resflow, idensenet; did you mean 'resflow'?")
    #expect(error(smallSpec.replacingOccurrences(of: "rows: [resflow, idensenet]", with: "rows: [resflow, idensnet]"))
      == "spec.yaml:23:19: table.rows[1]: 'idensnet' is not one of the models defined in this spec: resflow, idensenet; did you mean 'idensenet'?")
    #expect(error(smallSpec.replacingOccurrences(of: "blocks: 2, hidden: [16, 16]", with: "blocks: 2, depth: 3, hidden: [16, 16]"))
      .hasSuffix("models.resflow.depth: 'depth' does not apply to family resflow; its keys are hidden, last_layer"))
    #expect(error(smallSpec.replacingOccurrences(of: "coefficient: 0.9}", with: "coefficient: 0.9, memory: recomputed}"))
      == "spec.yaml:4:85: models.resflow.memory: 'recomputed' is not allowed; allowed: store, recompute; did you mean 'recompute'?")
  }

  @Test("A model keeps its blocks' graphs unless it says memory: recompute")
  func memoryChoiceIsRead() throws {
    #expect(try ExperimentPlan.parse(smallSpec).runs.allSatisfy { $0.model.memory == .store })
    let text = smallSpec.replacingOccurrences(of: "coefficient: 0.9}", with: "coefficient: 0.9, memory: recompute}")
    let runs = try ExperimentPlan.parse(text).runs
    #expect(runs.filter { $0.model.memory == .recompute }.map(\.identifier) == runs.filter { $0.identifier.hasPrefix("resflow") }.map(\.identifier))
    #expect(runs.first { $0.identifier.hasPrefix("resflow") }?.resolvedYAML.contains("memory: recompute") == true)
  }

  @Test("Profiles and --set overrides are applied in order, recorded, and still read strictly")
  func overridesAreAppliedAndRecorded() throws {
    let text = smallSpec + "\nprofiles:\n  paper: {}\n  short:\n    training.iterations: 10\n"
    let plan = try ExperimentPlan.parse(text, profile: "short", overrides: [try SpecOverride(parsing: "training.iterations=12")])
    #expect(plan.runs.allSatisfy { $0.training.iterations == 12 })
    #expect(plan.overrides.map(\.description) == ["training.iterations=10", "training.iterations=12"])
    #expect(plan.runGroup.hasPrefix("small/short+set-"))
    #expect(plan.runs[0].resolvedYAML.contains("iterations: 12"))
    #expect(try ExperimentPlan.parse(text, profile: "short").runGroup == "small/short")
    #expect(error(text, profile: "shrt").hasSuffix("profiles: profile 'shrt' is not defined; profiles: paper, short; did you mean 'short'?"))
    #expect(error(text, overrides: ["training.iteration=5"]).contains("unknown key 'iteration'"))
    #expect(error(text, overrides: ["models.resflow.coefficient=0"]).hasSuffix("models.resflow.coefficient: 0 is out of range; allowed: in (0, 1)"))
  }

  @Test("A growth given as {match: model} is the one whose parameter count is closest to the named model's, and is recorded")
  func budgetIsMatched() throws {
    let text = smallSpec.replacingOccurrences(of: "growth: 8", with: "growth: {match: resflow}")
    let plan = try ExperimentPlan.parse(text)
    let run = try #require(plan.runs.first { $0.identifier == "idensenet-moons" })
    let match = try #require(run.budgetMatch)
    #expect(match.model == "resflow")
    #expect(match.targetParameters == plan.runs[0].parameterCount)
    for neighbour in [match.growth - 1, match.growth + 1] {
      var other = run.model
      other.growth = .fixed(neighbour)
      #expect(abs(other.parameterCount(dimension: 2) - match.targetParameters) >= abs(match.parameters - match.targetParameters), "growth \(neighbour) is closer")
    }
    #expect(run.model.fixedGrowth == match.growth)
    #expect(run.resolvedYAML.contains("growth: \(match.growth)"))
    #expect(error(smallSpec.replacingOccurrences(of: "growth: 8", with: "growth: {match: resflo}")).contains("'resflo' is not a model of this spec"))
  }
}
