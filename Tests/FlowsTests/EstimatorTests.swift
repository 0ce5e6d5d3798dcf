import FlowCore
import Flows
import Foundation
import Testing

@Suite("Log-determinant estimators")
struct EstimatorTests {
  /// Mean and standard error of `count` estimates of the per-sample log-determinant at x.
  func estimates(_ block: InvertibleResidualBlock, _ x: Tensor, count: Int, seed: UInt64) -> (mean: [Double], standardError: [Double]) {
    var context = FlowContext(mode: .training, random: RandomStream(seed: seed))
    let batch = x.shape[0]
    var sums = [Double](repeating: 0, count: batch)
    var squares = [Double](repeating: 0, count: batch)
    for _ in 0..<count {
      let value = block.forward(Variable(x), context: &context).logDeterminant.value
      for sample in 0..<batch {
        sums[sample] += Double(value[flat: sample])
        squares[sample] += Double(value[flat: sample]) * Double(value[flat: sample])
      }
    }
    let mean = sums.map { $0 / Double(count) }
    let standardError = zip(squares, mean).map { (($0 / Double(count) - $1 * $1) / Double(count - 1)).squareRoot() }
    return (mean, standardError)
  }

  @Test("Russian roulette averages to the exact log det within 3 standard errors", arguments: [2, 4, 8])
  func russianRouletteIsUnbiased(dimension: Int) {
    for distribution in [TermDistribution.geometric(0.5), .poisson(2)] {
      let block = denseTestBlock(dimension: dimension, seed: UInt64(dimension), estimator: .russianRoulette(distribution, exactTerms: 2, samples: 1))
      var random = RandomStream(seed: 31)
      let x = Tensor.randomNormal(shape: [3, dimension], stream: &random)
      var context = FlowContext(mode: .evaluation, random: random)
      let exact = block.forward(Variable(x), context: &context).logDeterminant.value
      let (mean, standardError) = estimates(block, x, count: 2000, seed: 32)
      for sample in 0..<3 {
        #expect(abs(mean[sample] - Double(exact[flat: sample])) <= 3 * standardError[sample] + 1e-4,
                "d=\(dimension) \(distribution) sample \(sample): \(mean[sample]) ± \(standardError[sample]) vs \(exact[flat: sample])")
      }
    }
  }

  /// Σ_{k≤n} (−1)^{k+1}/k · tr(Jᵏ) for a d×d row-major J: what an n-term series estimates.
  func truncatedSeries(_ jacobian: [Double], dimension d: Int, terms: Int) -> Double {
    var power = jacobian
    var total = 0.0
    for k in 1...terms {
      let trace = (0..<d).map { power[$0 * d + $0] }.reduce(0, +)
      total += (k % 2 == 1 ? 1 : -1) / Double(k) * trace
      var next = [Double](repeating: 0, count: d * d)
      for i in 0..<d { for j in 0..<d { for m in 0..<d { next[i * d + j] += power[i * d + m] * jacobian[m * d + j] } } }
      power = next
    }
    return total
  }

  @Test("The truncated series approaches log det(I + J) as terms are added, and the estimator averages to it")
  func truncatedSeriesConverges() {
    var random = RandomStream(seed: 33)
    let x = Tensor.randomNormal(shape: [3, 4], stream: &random)
    let block = denseTestBlock(dimension: 4, seed: 34, estimator: .powerSeries(terms: 3))
    var context = FlowContext(mode: .evaluation, random: random)
    let exact = block.forward(Variable(x), context: &context).logDeterminant.value
    let matrices = jacobians(of: block.branch, at: x)
    for sample in 0..<3 {
      let errors = [1, 2, 4, 8, 16].map { abs(truncatedSeries(matrices[sample], dimension: 4, terms: $0) - Double(exact[flat: sample])) }
      #expect(errors[0] > 1e-3, "the test block's Jacobian is too small to test truncation: \(errors)")
      #expect(errors[1] < errors[0] && errors[2] < errors[1] && errors[3] < errors[2] && errors[4] <= errors[3] + 1e-6, "sample \(sample): \(errors)")
      #expect(errors[4] < 1e-3, "sample \(sample): \(errors)")
    }
    let (mean, standardError) = estimates(block, x, count: 3000, seed: 35)
    for sample in 0..<3 {
      let target = truncatedSeries(matrices[sample], dimension: 4, terms: 3)
      #expect(abs(mean[sample] - target) <= 3 * standardError[sample] + 1e-4, "sample \(sample): \(mean[sample]) ± \(standardError[sample]) vs \(target)")
    }
  }

  @Test("Backpropagation and Neumann gradients both agree on average with the exact log det's gradient")
  func gradientModesAreUnbiased() {
    var random = RandomStream(seed: 41)
    let x = Tensor.randomNormal(shape: [2, 2], stream: &random)
    let exactBlock = denseTestBlock(dimension: 2, seed: 42, estimator: .exactTwoByTwo)
    func gradient(_ block: InvertibleResidualBlock, repetitions: Int) -> [Double] {
      var context = FlowContext(mode: .training, random: RandomStream(seed: 43))
      var total: [Double] = []
      for _ in 0..<repetitions {
        let logDet = block.forward(Variable(x), context: &context).logDeterminant.sum()
        let gradients = Gradients.of(logDet, withRespectTo: block.parameters.map(\.variable)).flatMap { $0.value.scalars.map(Double.init) }
        total = total.isEmpty ? gradients : zip(total, gradients).map(+)
      }
      return total.map { $0 / Double(repetitions) }
    }
    let exact = gradient(exactBlock, repetitions: 1)
    let scale = exact.map(abs).max() ?? 1
    for mode in [LogDeterminantGradient.backpropagation, .neumannSeries] {
      let block = InvertibleResidualBlock(
        name: "b", branch: exactBlock.branch, trainingEstimator: .russianRoulette(.geometric(0.5), exactTerms: 2, samples: 1),
        evaluationEstimator: .exactJacobian, gradient: mode)
      let estimated = gradient(block, repetitions: 1500)
      let error = zip(estimated, exact).map { abs($0 - $1) }.max() ?? 0
      #expect(error < 0.1 * scale, "\(mode): worst gradient error \(error) with gradient scale \(scale)")
    }
  }

  @Test("The Neumann estimator returns the log-det estimate as its value, not the surrogate")
  func neumannValueIsTheEstimate() {
    var random = RandomStream(seed: 44)
    let x = Tensor.randomNormal(shape: [3, 2], stream: &random)
    let neumann = denseTestBlock(dimension: 2, seed: 45, estimator: .powerSeries(terms: 6), gradient: .neumannSeries)
    let backprop = InvertibleResidualBlock(name: "b", branch: neumann.branch, trainingEstimator: .powerSeries(terms: 6), evaluationEstimator: .exactJacobian, gradient: .backpropagation)
    var first = FlowContext(mode: .training, random: RandomStream(seed: 46))
    var second = FlowContext(mode: .training, random: RandomStream(seed: 46))
    let a = neumann.forward(Variable(x), context: &first).logDeterminant.value
    let b = backprop.forward(Variable(x), context: &second).logDeterminant.value
    #expect((a - b).maximumAbsolute() < 1e-5)
  }

  @Test("Geometric and Poisson survival functions match the reference values")
  func survivalFunctionsMatchReference() {
    let poisson = TermDistribution.poisson(2)
    let expected = [0.8647, 0.5940, 0.3233, 0.1429, 0.0527]
    for (j, value) in expected.enumerated() { #expect(abs(poisson.survival(j + 1) - value) < 1e-4) }
    #expect(TermDistribution.geometric(0.5).survival(1) == 1)
    #expect(TermDistribution.geometric(0.5).survival(4) == 0.125)
  }
}
