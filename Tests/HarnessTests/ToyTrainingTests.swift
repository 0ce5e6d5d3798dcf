import FlowCore
import Flows
import Foundation
import Harness
import Testing

@Suite("Toy training end to end")
struct ToyTrainingTests {
  @Test("A small Residual Flow trained on 2 moons for 300 steps lowers its test NLL by more than 0.3 nats")
  func trainingLowersTestNLL() {
    var random = RandomStream(seed: 3)
    let blocks: [any Flow] = (0..<4).map { index in
      let branch = LipschitzPerceptron(name: "b\(index)", widths: [2, 64, 64, 2], activation: .lipSwish, coefficient: 0.9, random: &random)
      return InvertibleResidualBlock(
        name: "b\(index)", branch: branch, trainingEstimator: .russianRoulette(.geometric(0.5), exactTerms: 2, samples: 1),
        evaluationEstimator: .exactTwoByTwo)
    }
    let model = SequentialFlow(blocks)
    let before = ToyEvaluation.negativeLogLikelihood(of: model, on: .moons, samples: 4000, testSeed: 77)
    let adam = Adam(parameters: model.parameters)
    var context = FlowContext(mode: .training, random: random.split())
    var data = random.split()
    for _ in 0..<300 {
      let batch = ToyDistribution.moons.sample(count: 200, random: &data)
      let loss = -model.logLikelihood(Variable(batch), context: &context).mean()
      let gradients = Gradients.of(loss, withRespectTo: model.parameters.map(\.variable)).map(\.value)
      adam.update(gradients: gradients, learningRate: 3e-3)
      model.updateSpectralNorms(.iterations(5))
    }
    model.updateSpectralNorms(.iterations(200))
    let after = ToyEvaluation.negativeLogLikelihood(of: model, on: .moons, samples: 4000, testSeed: 77)
    #expect(after.mean < before.mean - 0.3, "before \(before), after \(after)")
    #expect(after.mean > ToyDistribution.moons.entropy - 0.05, "below the entropy floor: \(after)")
  }
}

@Suite("Reproducibility")
struct ReproducibilityTests {
  /// The parameters after `steps` training iterations of small i-DenseNet and Residual Flow blocks.
  func trainedParameters(threads: Int, steps: Int) -> [Tensor] {
    Parallelism.withThreads(threads) { train(steps: steps) }
  }

  func train(steps: Int) -> [Tensor] {
    var random = RandomStream(seed: 11)
    var blocks: [any Flow] = []
    for index in 0..<2 {
      let perceptron = LipschitzPerceptron(name: "p\(index)", widths: [2, 64, 64, 2], activation: .lipSwish, coefficient: 0.9, random: &random)
      let dense = DenseBranch(
        name: "d\(index)", dimension: 2, depth: 3, growth: 24, activation: .lipSwish, coefficient: 0.9,
        concatenationCoefficient: 0.98, concatenation: .learnable(startIteration: 0), random: &random)
      let estimator = LogDeterminantEstimator.russianRoulette(.geometric(0.5), exactTerms: 2, samples: 1)
      blocks.append(InvertibleResidualBlock(name: "p\(index)", branch: perceptron, trainingEstimator: estimator, evaluationEstimator: .exactTwoByTwo))
      blocks.append(InvertibleResidualBlock(name: "d\(index)", branch: dense, trainingEstimator: estimator, evaluationEstimator: .exactTwoByTwo))
    }
    let model = SequentialFlow(blocks)
    let parameters: [Parameter] = model.parameters
    let adam = Adam(parameters: parameters)
    var context = FlowContext(mode: .training, random: random.split())
    var data = random.split()
    for _ in 0..<steps {
      let batch: Tensor = ToyDistribution.checkerboard.sample(count: 500, random: &data)
      let loss: Variable = model.logLikelihood(Variable(batch), context: &context).mean() * -1
      var gradients: [Tensor] = Gradients.of(loss, withRespectTo: parameters.map { $0.variable }).map { $0.value }
      GradientClipping.clipByGlobalNorm(&gradients, maximumNorm: 1)
      adam.update(gradients: gradients, learningRate: 1e-3)
      model.updateSpectralNorms(.iterations(5))
    }
    return parameters.map { $0.value }
  }

  @Test("Three training steps give bit-identical parameters with one, two, three and four threads, and again on a rerun")
  func trainingIsBitReproducible() {
    let one = trainedParameters(threads: 1, steps: 3)
    for threads in 2...4 {
      let many = trainedParameters(threads: threads, steps: 3)
      #expect(one.count == many.count)
      #expect(zip(one, many).allSatisfy { $0 == $1 }, "parameters differ between 1 and \(threads) threads")
    }
    let two = trainedParameters(threads: 2, steps: 3)
    let again = trainedParameters(threads: 2, steps: 3)
    #expect(zip(two, again).allSatisfy { $0 == $1 }, "parameters differ between two runs")
    let initial = trainedParameters(threads: 1, steps: 0)
    #expect(!zip(one, initial).allSatisfy { $0 == $1 }, "training changed nothing")
  }

  @Test("With OpenBLAS computing the products, three training steps give bit-identical parameters with one to four threads")
  func openBLASTrainingIsBitReproducible() {
    let one = Gemm.withBackend(.openBLAS) { trainedParameters(threads: 1, steps: 3) }
    for threads in 2...4 {
      let many = Gemm.withBackend(.openBLAS) { trainedParameters(threads: threads, steps: 3) }
      #expect(one.count == many.count && !one.isEmpty)
      #expect(zip(one, many).allSatisfy { $0 == $1 }, "parameters differ between 1 and \(threads) threads")
    }
    #expect(!zip(one, trainedParameters(threads: 1, steps: 3)).allSatisfy { $0 == $1 }, "OpenBLAS gave the package kernel's bits: the backend was not used")
  }
}
