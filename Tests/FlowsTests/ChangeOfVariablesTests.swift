import FlowCore
import Flows
import Foundation
import Testing

@Suite("Change of variables")
struct ChangeOfVariablesTests {
  @Test("A model's summed log-determinants equal log|det| of the finite-difference Jacobian of the whole map")
  func summedLogDeterminantsMatchTheWholeMap() {
    var random = RandomStream(seed: 61)
    let blocks: [any Flow] = (0..<3).map { index in
      let branch = LipschitzPerceptron(name: "g\(index)", widths: [2, 32, 32, 2], activation: .lipSwish, coefficient: 0.9, lastLayer: .standard, random: &random)
      for layer in branch.layers { layer.weight.value = layer.weight.value * 4 }
      branch.updateSpectralNorms(.iterations(100))
      return InvertibleResidualBlock(name: "b\(index)", branch: branch, trainingEstimator: .exactTwoByTwo, evaluationEstimator: .exactTwoByTwo)
    } + [ActNorm(name: "actnorm", featureShape: [2])]
    let model = SequentialFlow(blocks)
    let x = Tensor.randomNormal(shape: [5, 2], stream: &random)
    var context = FlowContext(mode: .evaluation, random: random)
    _ = model.forward(Variable(Tensor.randomNormal(shape: [64, 2], standardDeviation: 2, stream: &random)), context: &context)
    let logDeterminant = model.forward(Variable(x), context: &context).logDeterminant.value
    func map(_ point: [Double]) -> [Double] {
      let input = Tensor(shape: [1, 2], scalars: point.map(Float.init))
      return model.forward(Variable(input), context: &context).value.value.scalars.map(Double.init)
    }
    for sample in 0..<5 {
      let point = [Double(x[flat: 2 * sample]), Double(x[flat: 2 * sample + 1])]
      let h = 1e-2
      var jacobian = [[Double]](repeating: [0, 0], count: 2)
      for column in 0..<2 {
        var plus = point, minus = point
        plus[column] += h
        minus[column] -= h
        let (up, down) = (map(plus), map(minus))
        for row in 0..<2 { jacobian[row][column] = (up[row] - down[row]) / (2 * h) }
      }
      let determinant = jacobian[0][0] * jacobian[1][1] - jacobian[0][1] * jacobian[1][0]
      #expect(abs(Foundation.log(abs(determinant)) - Double(logDeterminant[flat: sample])) < 2e-3, "sample \(sample)")
    }
  }

  @Test("The log-likelihood integrates to about 1 over a grid for a toy model")
  func densityIntegratesToOne() {
    var random = RandomStream(seed: 62)
    let branch = LipschitzPerceptron(name: "g", widths: [2, 32, 2], activation: .lipSwish, coefficient: 0.9, lastLayer: .standard, random: &random)
    for layer in branch.layers { layer.weight.value = layer.weight.value * 4 }
    branch.updateSpectralNorms(.iterations(100))
    let model = SequentialFlow([InvertibleResidualBlock(name: "b", branch: branch, trainingEstimator: .exactTwoByTwo, evaluationEstimator: .exactTwoByTwo)])
    let steps = 240
    let (low, high) = (-8.0, 8.0)
    let cell = (high - low) / Double(steps)
    var points: [Float] = []
    for i in 0..<steps { for j in 0..<steps { points += [Float(low + (Double(i) + 0.5) * cell), Float(low + (Double(j) + 0.5) * cell)] } }
    var context = FlowContext(mode: .evaluation, random: random)
    let logDensity = model.logLikelihood(Variable(Tensor(shape: [steps * steps, 2], scalars: points)), context: &context).value
    let mass = logDensity.scalars.map { Foundation.exp(Double($0)) }.reduce(0, +) * cell * cell
    #expect(abs(mass - 1) < 0.01, "∫ p = \(mass)")
  }

  @Test("ActNorm's first batch comes out with zero mean and unit variance per channel, and it inverts")
  func actNormInitialisesFromData() throws {
    var random = RandomStream(seed: 63)
    let layer = ActNorm(name: "a", featureShape: [3])
    let batch = Tensor.randomNormal(shape: [400, 3], mean: 2, standardDeviation: 3, stream: &random)
    var context = FlowContext(mode: .training, random: random)
    let output = layer.forward(Variable(batch), context: &context)
    let mean = output.value.value.sum(alongAxis: 0) * (1 / 400)
    let variance = (output.value.value - mean).squared().sum(alongAxis: 0) * (1 / 399)
    #expect(mean.maximumAbsolute() < 1e-4)
    #expect((variance - 1).maximumAbsolute() < 1e-3)
    #expect(abs(output.logDeterminant.value[flat: 0] - layer.logScale.value.sum().scalar) < 1e-5)
    #expect((try layer.inverse(output.value.value) - batch).maximumAbsolute() < 1e-4)
  }
}
