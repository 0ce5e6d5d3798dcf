import FlowCore
import Flows
import Foundation
import Testing

@Suite("Mixed-norm branches and learned orders")
struct MixedNormBranchTests {
  /// Orders along a 3-layer branch (first = last), as the reference's vnorms strings `1f21`, `f13f`, and one with p = 1.5.
  static let branchOrders: [[Float]] = [[1, .infinity, 2, 1], [.infinity, 1, 3, .infinity], [1.5, 3, 2, 1.5]]

  @Test("Lip(g) < 1 in the chosen norm: ‖g(x) − g(y)‖_p / ‖x − y‖_p at random pairs, and the same ratios exceed 1 without the normalisation", arguments: branchOrders)
  func branchIsContractionInItsNorm(orders: [Float]) {
    var random = RandomStream(seed: 51)
    let norms = BranchNorms.fixed(orders.map { NormOrder(exponent: $0) })
    let branch = LipschitzPerceptron(name: "g", widths: [3, 16, 16, 3], activation: .lipSwish, coefficient: 0.9, lastLayer: .standard, norms: norms, random: &random)
    for layer in branch.layers { layer.weight.value = layer.weight.value * 5 }
    branch.updateSpectralNorms(.iterations(200))
    let p = Double(orders[0])
    let ratios = pairRatios(branch: branch, p: p, random: &random)
    #expect(ratios.max()! < 1, "largest ratio \(ratios.max()!)")
    // Raw weights (5× the initial ones) give ratios above 1: the check can fail.
    let raw = LipschitzPerceptron(name: "g", widths: [3, 16, 16, 3], activation: .lipSwish, coefficient: 1000, lastLayer: .standard, norms: norms, random: &random)
    for (layer, scaled) in zip(raw.layers, branch.layers) { layer.weight.value = scaled.weight.value }
    raw.updateSpectralNorms(.iterations(200))
    #expect(pairRatios(branch: raw, p: p, random: &random).max()! > 1)
  }

  /// ‖g(x) − g(y)‖_p / ‖x − y‖_p for 200 random pairs, near and far.
  func pairRatios(branch: LipschitzPerceptron, p: Double, random: inout RandomStream) -> [Double] {
    let x = Tensor.randomNormal(shape: [200, 3], standardDeviation: 2, stream: &random)
    let directions = Tensor.randomNormal(shape: [200, 3], stream: &random).scalars
    let offsets = Tensor(shape: [200, 3], scalars: directions.indices.map { directions[$0] * Float(pow(10, Double($0 / 3 % 4) - 3)) })
    let difference = (branch(Variable(x)).value - branch(Variable(x + offsets)).value).scalars.map(Double.init)
    let step = offsets.scalars.map(Double.init)
    return (0..<200).map { row in
      vectorNorm(Array(difference[(3 * row)..<(3 * row + 3)]), p) / vectorNorm(Array(step[(3 * row)..<(3 * row + 3)]), p)
    }
  }

  @Test("The squashing maps 0 to 2 and the line onto (1, 5), as a number and as a graph node, and its gradient matches finite differences")
  func squashValuesAndGradient() {
    #expect(abs(LearnedNormOrder.squash(0) - 2) < 1e-6)
    #expect(abs(LearnedNormOrder.squash(-30) - 1) < 1e-4 && abs(LearnedNormOrder.squash(30) - 5) < 1e-4)
    let thetas = Tensor(shape: [6], scalars: [-3, -0.7, 0, 0.4, 0.9, 2.5])
    let graph = LearnedNormOrder.squash(Variable(thetas)).value.scalars
    for (theta, value) in zip(thetas.scalars, graph) {
      #expect(abs(LearnedNormOrder.squash(theta) - value) < 1e-5)
      #expect(value > 1 && value < 5)
    }
    let report = GradientCheck.check(inputs: [thetas], step: 1e-3) { LearnedNormOrder.squash($0[0]) }
    #expect(report.passed, "\(report)")
  }

  @Test("The differentiable Hölder dual map matches the numeric one, and its gradients in t and in r match finite differences", arguments: [Float(1.7), 3])
  func differentiableDualMap(order: Float) {
    var random = RandomStream(seed: 61)
    let t = Tensor.randomNormal(shape: [6], stream: &random)
    let graph = HolderDual.direction(of: Variable(t), unitIn: Variable(Tensor(order))).value
    let numeric = HolderDual.direction(of: t, unitIn: NormOrder(exponent: order))
    #expect(zip(graph.scalars, numeric.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    let report = GradientCheck.check(inputs: [t, Tensor(order)], step: 1e-3) { HolderDual.direction(of: $0[0], unitIn: $0[1]) }
    #expect(report.passed, "\(report)")
  }

  @Test("With learned orders, one power-iteration σ has a gradient in θ that matches finite differences, linear and convolution alike")
  func orderSensitiveEstimateGradient() throws {
    var random = RandomStream(seed: 71)
    let (first, second) = (LearnedNormOrder(name: "a"), LearnedNormOrder(name: "b"))
    (first.parameter.value, second.parameter.value) = (Tensor(0.4), Tensor(-0.3))
    let norm = InducedNorm(domain: .learned(first), codomain: .learned(second))
    let linear = LipschitzLinear(name: "l", inputSize: 6, outputSize: 5, coefficient: 0.9, norm: norm, random: &random)
    let convolution = LipschitzConvolution(name: "c", inputChannels: 2, outputChannels: 3, kernelSize: 3, coefficient: 0.9, norm: norm, random: &random)
    convolution.prepare(height: 4, width: 4)
    for layer in [linear, convolution] as [any LipschitzLayer] {
      let estimate = try #require(layer.orderSensitiveNormEstimate())
      let analytic = Gradients.of(estimate, withRespectTo: [first.parameter.variable, second.parameter.variable]).map { Double($0.value.scalar) }
      for (index, order) in [first, second].enumerated() {
        let numeric = centralDifference(of: order, step: 1e-2) { Double(layer.orderSensitiveNormEstimate()!.value.scalar) }
        #expect(abs(analytic[index] - numeric) <= 2e-3 + 2e-2 * abs(numeric), "\(layer.name) θ\(index): analytic \(analytic[index]), numeric \(numeric)")
      }
      #expect(abs(analytic[0]) + abs(analytic[1]) > 1e-3, "the gradient is not trivially zero")
    }
  }

  /// (f(θ + h) − f(θ − h)) / 2h for the order's θ, put back afterwards.
  func centralDifference(of order: LearnedNormOrder, step: Float, _ function: () -> Double) -> Double {
    let theta = order.parameter.value.scalar
    order.parameter.value = Tensor(theta + step)
    let plus = function()
    order.parameter.value = Tensor(theta - step)
    let minus = function()
    order.parameter.value = Tensor(theta)
    return (plus - minus) / Double(2 * step)
  }

  @Test("Learned orders: per layer, layer i maps θᵢ → θᵢ₊₁ and the last layer returns to θ₀; per block, one order; all start at 2 and are the branch's parameters")
  func learnedOrdersAreShared() {
    var random = RandomStream(seed: 81)
    let perLayer = LipschitzPerceptron(name: "g", widths: [2, 8, 8, 2], activation: .elu, coefficient: 0.9, norms: .learned(.perLayer), random: &random)
    #expect(perLayer.learnedOrders.map(\.parameter.name) == ["g.order0", "g.order1", "g.order2"])
    let names = perLayer.layers.map { ($0.norm.domain.learnedOrder!.parameter.name, $0.norm.codomain.learnedOrder!.parameter.name) }
    #expect(names.map(\.0) == ["g.order0", "g.order1", "g.order2"] && names.map(\.1) == ["g.order1", "g.order2", "g.order0"])
    #expect(perLayer.parameters.suffix(3).map(\.name) == ["g.order0", "g.order1", "g.order2"])
    #expect(perLayer.layers.allSatisfy { abs($0.norm.orders.domain.exponent - 2) < 1e-6 })
    let perBlock = LipschitzPerceptron(name: "h", widths: [2, 8, 8, 2], activation: .elu, coefficient: 0.9, norms: .learned(.perBlock), random: &random)
    #expect(perBlock.learnedOrders.count == 1)
    #expect(perBlock.normOrderLoss() != nil && LipschitzPerceptron(name: "s", widths: [2, 4, 2], activation: .elu, coefficient: 0.9, random: &random).normOrderLoss() == nil)
  }

  @Test("The spectral default and vnorms of all 2 build bit-identical layers: same weights, vectors and σ")
  func allTwoIsSpectral() {
    var first = RandomStream(seed: 91)
    var second = RandomStream(seed: 91)
    let spectral = LipschitzPerceptron(name: "g", widths: [2, 8, 8, 2], activation: .lipSwish, coefficient: 0.9, random: &first)
    let twos = LipschitzPerceptron(name: "g", widths: [2, 8, 8, 2], activation: .lipSwish, coefficient: 0.9, norms: .fixed(Array(repeating: .two, count: 4)), random: &second)
    #expect(first == second)
    for (a, b) in zip(spectral.layers, twos.layers) {
      #expect(a.weight.value == b.weight.value && a.leftVector == b.leftVector && a.rightVector == b.rightVector)
    }
  }
}
