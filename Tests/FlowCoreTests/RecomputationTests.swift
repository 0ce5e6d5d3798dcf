import FlowCore
import Foundation
import Testing

@Suite("Recomputed segments")
struct RecomputationTests {
  /// Two outputs of a LipSwish perceptron on an inner (non-leaf) input: g(a) and Σ a², with
  /// a = 2·x, so that x's gradient must pass through the recomputed node to an earlier operation.
  static func segment(_ inputs: [Variable]) -> [Variable] {
    [multilayerPerceptron(inputs), (inputs[0] * inputs[0]).sum()]
  }

  static let shapes: [[Int]] = [[5, 3], [8, 3], [8], [], [3, 8], [3]]
  static let seeds = (randomTensor([5, 3], seed: 71), Tensor(0.7))

  /// ⟨g(2x), s⟩ + 0.7·Σ(2x)², built directly or through a recomputed node.
  static func loss(_ inputs: [Variable], recompute: Bool) -> Variable {
    let a = inputs[0] * 2
    let segmentInputs = [a] + inputs.dropFirst()
    let outputs: [Variable]
    if recompute {
      let values = segment(segmentInputs).map(\.value)
      outputs = Variable.recomputed(values, inputs: segmentInputs, replay: segment)
    } else {
      outputs = segment(segmentInputs)
    }
    return (outputs[0] * Variable(seeds.0)).sum() + outputs[1] * Variable(seeds.1)
  }

  func point() -> [Variable] {
    Self.shapes.enumerated().map { Variable(randomTensor($1, seed: 40 + UInt64($0), scale: 0.6), requiresGradient: true) }
  }

  @Test("A recomputed segment gives the gradients of the same computation kept in memory")
  func recomputedGradientsEqualStoredOnes() {
    let inputs = point()
    let stored = Gradients.of(Self.loss(inputs, recompute: false), withRespectTo: inputs)
    let recomputed = Gradients.of(Self.loss(inputs, recompute: true), withRespectTo: inputs)
    for (index, (a, b)) in zip(stored, recomputed).enumerated() {
      #expect(maximumDifference(a.value, b.value) <= 1e-6 * max(1, maximumMagnitude(a.value)), "input \(index)")
      #expect(maximumMagnitude(b.value) > 0, "input \(index) got no gradient")
    }
  }

  @Test("The gradients through a recomputed segment match finite differences")
  func recomputedGradientsMatchFiniteDifferences() {
    let report = GradientCheck.check(inputs: point().map(\.value), coordinatesPerInput: 20) { Self.loss($0, recompute: true) }
    #expect(report.passed, "\(report)")
  }

  @Test("A recomputed segment keeps one node of graph between the passes, not its operations")
  func recomputedSegmentKeepsNoInnerGraph() {
    let inputs = point()
    func operations(_ loss: Variable) -> Int { Gradients.topologicalOrder(from: loss).filter { !$0.isLeaf }.count }
    let stored = operations(Self.loss(inputs, recompute: false))
    let recomputed = operations(Self.loss(inputs, recompute: true))
    // The loss's own 4 operations (two products, a sum, an addition), 2·x, the recomputed node,
    // and a slice and a reshape per output.
    #expect(recomputed == 10, "\(recomputed) operations against \(stored)")
    #expect(stored > recomputed)
  }

  @Test("Outputs keep the values they were given and their shapes")
  func outputsKeepTheirValues() {
    let inputs = point()
    let values = Self.segment(inputs).map(\.value)
    let outputs = Variable.recomputed(values, inputs: inputs, replay: Self.segment)
    #expect(outputs.map(\.shape) == [[5, 3], []])
    #expect(outputs[0].value.scalars == values[0].scalars && outputs[1].value.scalars == values[1].scalars)
  }
}
