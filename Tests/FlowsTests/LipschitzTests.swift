import FlowCore
import Flows
import Testing

@Suite("Lipschitz constraints")
struct LipschitzTests {
  @Test("After power iteration, σ matches the largest singular value and the weight used has norm ≤ coefficient", arguments: [(3, 5), (16, 16), (40, 7)])
  func normalizedWeightRespectsCoefficient(shape: (Int, Int)) {
    var random = RandomStream(seed: 11)
    let layer = LipschitzLinear(name: "l", inputSize: shape.1, outputSize: shape.0, coefficient: 0.5, random: &random)
    layer.weight.value = layer.weight.value * 4
    layer.updateSpectralNorm(.iterations(200))
    let raw = largestSingularValue(layer.weight.value.scalars.map(Double.init), rows: shape.0, columns: shape.1)
    #expect(abs(Double(layer.spectralNormEstimate) - raw) < 1e-3 * raw)
    let used = largestSingularValue(layer.normalizedWeight().value.scalars.map(Double.init), rows: shape.0, columns: shape.1)
    #expect(used <= 0.5 * (1 + 1e-3), "σ(Ŵ) = \(used)")
    #expect(used >= 0.5 * (1 - 1e-2))
  }

  @Test("Layers updated side by side get the bits of one at a time, with every product counted", arguments: GemmBackend.allCases)
  func sideBySidePowerIterationIsExact(backend: GemmBackend) {
    func updated(threads: Int) -> (vectors: [[Tensor]], operations: Int) {
      var random = RandomStream(seed: 21)
      let perceptron = LipschitzPerceptron(name: "g", widths: [2, 128, 128, 128, 2], activation: .lipSwish, coefficient: 0.9, random: &random)
      for layer in perceptron.lipschitzLayers { (layer as! LipschitzLinear).weight.value = (layer as! LipschitzLinear).weight.value * 3 }
      let counted = Parallelism.withThreads(threads) {
        Gemm.withBackend(backend) { FlopCounter.counting { perceptron.updateSpectralNorms(.iterations(5)) } }
      }
      return (perceptron.lipschitzLayers.map(\.singularVectors), counted.operations)
    }
    let alone = updated(threads: 1)
    #expect(alone.operations == 5 * 2 * 2 * (2 * 128 + 128 * 128 + 128 * 128 + 128 * 2))
    for threads in [2, 3] {
      let sideBySide = updated(threads: threads)
      #expect(sideBySide.vectors == alone.vectors, "\(threads) threads")
      #expect(sideBySide.operations == alone.operations, "\(threads) threads")
    }
  }

  @Test("A weight already inside the bound is used unchanged")
  func smallWeightIsNotRescaled() {
    var random = RandomStream(seed: 12)
    let layer = LipschitzLinear(name: "l", inputSize: 4, outputSize: 4, coefficient: 0.9, random: &random)
    layer.weight.value = layer.weight.value * 0.01
    layer.updateSpectralNorm(.iterations(50))
    #expect(layer.normalizedWeight().value == layer.weight.value)
  }

  @Test("Tolerance-based power iteration converges to the same σ")
  func toleranceScheduleConverges() {
    var random = RandomStream(seed: 13)
    let layer = LipschitzLinear(name: "l", inputSize: 30, outputSize: 20, coefficient: 0.9, random: &random)
    layer.weight.value = layer.weight.value * 3
    layer.updateSpectralNorm(.tolerance(absolute: 1e-5, relative: 1e-5, maximumIterations: 500))
    let raw = largestSingularValue(layer.weight.value.scalars.map(Double.init), rows: 20, columns: 30)
    #expect(abs(Double(layer.spectralNormEstimate) - raw) < 1e-3 * raw)
  }

  @Test("The Jacobians of the toy branches have spectral norm below 1 at random points")
  func branchJacobiansAreContractions() {
    var random = RandomStream(seed: 14)
    let perceptron = LipschitzPerceptron(name: "g", widths: [2, 64, 64, 2], activation: .lipSwish, coefficient: 0.9, lastLayer: .standard, random: &random)
    let dense = DenseBranch(name: "d", dimension: 2, depth: 3, growth: 16, activation: .lipSwish, coefficient: 0.9, concatenationCoefficient: 0.98, concatenation: .learnable(startIteration: 0), random: &random)
    for branch in [perceptron, dense] as [any ResidualBranch] {
      for layer in branch.lipschitzLayers {
        if let linear = layer as? LipschitzLinear { linear.weight.value = linear.weight.value * 5 }
      }
      branch.updateSpectralNorms(.iterations(200))
      let points = Tensor.randomNormal(shape: [20, 2], standardDeviation: 2, stream: &random)
      for jacobian in jacobians(of: branch, at: points) {
        let norm = largestSingularValue(jacobian, rows: 2, columns: 2)
        #expect(norm < 1, "‖J‖ = \(norm)")
      }
    }
  }
}
