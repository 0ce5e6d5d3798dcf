import FlowCore
import Flows
import Testing

@Suite("Parameter budgets")
struct ParameterCountTests {
  func count(_ branches: [any ResidualBranch]) -> Int {
    branches.flatMap(\.parameters).map(\.count).reduce(0, +)
  }

  @Test("The toy Residual Flow (10 blocks of 2-128-128-128-128-2) has 501K parameters within 1 %")
  func toyResidualFlowBudget() {
    var random = RandomStream(seed: 1)
    let blocks = (0..<10).map { LipschitzPerceptron(name: "b\($0)", widths: [2, 128, 128, 128, 128, 2], activation: .lipSwish, coefficient: 0.9, random: &random) }
    let total = count(blocks)
    #expect(abs(Double(total) - 501_000) / 501_000 < 0.01, "\(total)")
  }

  @Test("The toy i-DenseNet (10 blocks, depth 4, growth 90, learnable concatenation) has 504K parameters within 1 %")
  func toyDenseNetBudget() {
    var random = RandomStream(seed: 2)
    let blocks = (0..<10).map { DenseBranch(name: "b\($0)", dimension: 2, depth: 4, growth: 90, activation: .lipSwish, coefficient: 0.9, concatenationCoefficient: 0.98, concatenation: .learnable(startIteration: 25_000), random: &random) }
    let total = count(blocks)
    #expect(abs(Double(total) - 504_000) / 504_000 < 0.01, "\(total)")
  }

  @Test("Fixed and learnable concatenation start at η̂ = 0.98/√2 and the norm stays 0.98")
  func concatenationWeightsStartEqual() {
    var random = RandomStream(seed: 3)
    let branch = DenseBranch(name: "d", dimension: 2, depth: 2, growth: 4, activation: .lipSwish, coefficient: 0.9, concatenationCoefficient: 0.98, concatenation: .learnable(startIteration: 0), random: &random)
    let (first, second) = branch.layers[0].concatenationWeightValues
    #expect(abs(first - 0.98 / Float(2).squareRoot()) < 1e-5 && abs(second - first) < 1e-6)
    branch.layers[0].concatenationWeights!.value = Tensor(shape: [2], scalars: [-3, 4])
    let (a, b) = branch.layers[0].concatenationWeightValues
    #expect(abs((a * a + b * b).squareRoot() - 0.98) < 1e-5 && a < b)
    branch.layers[0].resetConcatenationWeights()
    #expect(abs(branch.layers[0].concatenationWeightValues.0 - first) < 1e-6)
  }
}
