import FlowCore
import Flows
import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// Two small Residual Flows on 2 moons: one with fixed mixed norms (∞ → 1 → 2 → ∞), one learning
/// its orders per layer.
let mixedNormSpec = """
  experiment: {name: norms}
  seed: 5
  models:
    fixed: {family: resflow, blocks: 2, hidden: [32, 32], coefficient: 0.9, vnorms: "f12f"}
    learned: {family: resflow, blocks: 2, hidden: [32, 32], coefficient: 0.9, learn_p: per_layer}
  datasets:
    moons: {kind: toy, distribution: 2moons}
  training:
    iterations: 60
    batch_size: 128
    optimizer: {name: adam, learning_rate: 3.0e-3}
    checkpoint_every: 20
    log_every: 10
  evaluation: {every: 60, test_samples: 1000, test_seed: 9}
  table:
    rows: [fixed, learned]
    columns: [moons]
  """

@Suite("Mixed norms in specs and runs")
struct MixedNormTests {
  func run(_ identifier: String, text: String = mixedNormSpec) throws -> RunSpec {
    try #require(try ExperimentPlan.parse(text).runs.first { $0.identifier == identifier })
  }

  /// `smallSpec` with the Residual Flow's definition given `extra` keys.
  func resflow(_ extra: String) -> String {
    smallSpec.replacingOccurrences(of: "hidden: [16, 16], coefficient: 0.9}", with: "hidden: [16, 16], coefficient: 0.9, \(extra)}")
  }

  @Test("Bad vnorms and learn_p are refused with file, line, column, key path and what is allowed")
  func badNormsAreRejected() {
    #expect(specError(resflow("vnorms: \"22f\"")).hasSuffix(
      "models.resflow.vnorms: '22f' has 3 orders for 3 layers; allowed: 4 characters, one per boundary (input, each hidden width, output)"))
    #expect(specError(resflow("vnorms: \"2x22\"")).hasSuffix(
      "models.resflow.vnorms: '2x22' has 'x' at position 2; allowed: one character per norm, 1-9 (p) or f (∞)"))
    #expect(specError(resflow("vnorms: \"20f2\"")).hasSuffix("position 2; allowed: one character per norm, 1-9 (p) or f (∞)"))
    #expect(specError(resflow("vnorms: \"122f\"")).hasSuffix(
      "models.resflow.vnorms: '122f' starts with 1 and ends with f; allowed: the same first and last order (g must be a contraction in one norm)"))
    #expect(specError(resflow("learn_p: true")).hasSuffix(
      "models.resflow.learn_p: 'true' is not allowed; allowed: fixed, per_layer, per_block"))
    #expect(specError(resflow("learn_p: per_layr")).hasSuffix("allowed: fixed, per_layer, per_block; did you mean 'per_layer'?"))
    #expect(specError(resflow("vnorms: \"1f21\", learn_p: per_block")).hasSuffix(
      "models.resflow.vnorms: 'vnorms' does not apply with learn_p: per_block (every learned order starts at 2); remove it or use learn_p: fixed"))
    #expect(specError(resflow("vnorms: \"1f21\", activation: clipswish")).hasSuffix(
      "models.resflow.vnorms: 'vnorms' needs an elementwise activation (lipswish or elu); clipswish is 1-Lipschitz only in the 2-norm"))
    #expect(specError(smallSpec.replacingOccurrences(of: "growth: 8", with: "growth: 8\n    learn_p: per_layer")).hasSuffix(
      "models.idensenet.learn_p: 'learn_p' does not apply to family idensenet (its dense layers are bounded in the 2-norm); families: iresnet, resflow"))
    #expect(specError(resflow("vnorms: \"1f21\", fc_hidden: [64]")).hasSuffix(
      "models.resflow.vnorms: 4 orders, but the fully connected blocks on mnist have 2 layers (fc_hidden [64]); allowed: fc_hidden with 2 widths, or fc_blocks: 0"))
    #expect(specError(resflow("vnorms: \"1f21\"")) == "no error")
  }

  @Test("A spec without the keys, or with vnorms of all 2, builds bit-identical models; other orders are recorded in the model")
  func defaultsAreUnchanged() throws {
    let plain = try run("resflow-moons", text: smallSpec)
    let twos = try run("resflow-moons", text: resflow("vnorms: \"2222\""))
    #expect(plain.model.norms == .spectral && twos.model.norms == .spectral)
    #expect(!plain.resolvedYAML.contains("vnorms") && !plain.resolvedYAML.contains("learn_p"))
    let (a, b) = (TrainedModel.build(plain), TrainedModel.build(twos))
    #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
    #expect(a.lipschitzLayers.map(\.singularVectors) == b.lipschitzLayers.map(\.singularVectors))
    let fixed = try run("fixed-moons")
    #expect(fixed.model.norms == .fixed([.infinity, .one, .two, .infinity]))
  }

  @Test("A Residual Flow with vnorms f12f trains through the harness (loss falls, finite), inverts, and each block is a contraction in ‖·‖_∞")
  func fixedNormRunTrainsAndInverts() throws {
    let spec = try run("fixed-moons")
    let directory = temporaryDirectory("mixed-fixed")
    guard case .completed(let evaluation) = try trainer(spec, in: directory).train() else { Issue.record("did not complete"); return }
    let losses = try metricLosses(directory)
    #expect(losses.allSatisfy(\.isFinite) && evaluation.testNLL.isFinite)
    #expect(losses.last! < losses.first! - 0.05, "losses \(losses)")
    let model = TrainedModel.build(spec)
    try TrainedModel.load(spec, directory: directory, into: model, weights: .trained)
    var random = RandomStream(seed: 12)
    let x = ToyDistribution.moons.sample(count: 200, random: &random)
    var context = FlowContext(mode: .evaluation, random: random.split())
    let z = model.forward(Variable(x), context: &context).value.value
    let back = try model.inverse(z)
    #expect((back - x).maximumAbsolute() < 1e-4)
    for block in model.flows.compactMap({ $0 as? InvertibleResidualBlock }) {
      let y = ToyDistribution.moons.sample(count: 200, random: &random)
      let (gx, gy) = (block.branch(Variable(x)).value, block.branch(Variable(y)).value)
      for row in 0..<200 {
        let change = NormOrder.infinity.norm(Array((gx - gy).scalars[(2 * row)..<(2 * row + 2)]))
        let distance = NormOrder.infinity.norm(Array((x - y).scalars[(2 * row)..<(2 * row + 2)]))
        #expect(change < distance, "‖g(x) − g(y)‖∞ \(change) ≥ ‖x − y‖∞ \(distance)")
      }
    }
  }

  @Test("Learned orders are trained by Adam, checkpointed with their moments, and a run interrupted and resumed ends bit-identical")
  func learnedOrdersTrainAndResume() throws {
    let spec = try run("learned-moons")
    let straight = temporaryDirectory("mixed-learned")
    guard case .completed(let expected) = try trainer(spec, in: straight).train() else { Issue.record("did not complete"); return }
    #expect(try metricLosses(straight).allSatisfy(\.isFinite))
    let state = try TrainingState(decoding: #require(FileManager.default.contents(atPath: straight + "/checkpoint.bin")), path: "straight")
    let orders = state.parameters.filter { $0.name.contains(".order") }
    #expect(orders.map(\.name) == ["block0.order0", "block0.order1", "block0.order2", "block1.order0", "block1.order1", "block1.order2"])
    #expect(orders.allSatisfy { $0.value.scalar != 0 && $0.firstMoment.scalar != 0 }, "\(orders.map(\.value))")
    let resumed = temporaryDirectory("mixed-learned-resumed")
    var calls = 0
    _ = try trainer(spec, in: resumed).train(shouldStop: { calls += 1; return calls == 25 })
    guard case .completed(let evaluation) = try trainer(spec, in: resumed).train() else { Issue.record("did not complete"); return }
    #expect(evaluation.testNLL.bitPattern == expected.testNLL.bitPattern)
    let model = TrainedModel.build(spec)
    try TrainedModel.load(spec, directory: resumed, into: model, weights: .trained)
    let restored = model.parameters.filter { $0.name.contains(".order") }.map(\.value)
    #expect(restored == orders.map(\.value))
  }

  /// The training losses of the metrics rows in `directory`.
  func metricLosses(_ directory: String) throws -> [Double] {
    let text = try String(contentsOfFile: directory + "/metrics.csv", encoding: .utf8)
    return text.split(separator: "\n").dropFirst().compactMap { MetricRow(line: String($0))?.loss }
  }
}
