import FlowCore
import Flows
import Foundation
import Testing

/// Normal draws of `shape` with standard deviation `scale`, from `seed`.
private func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
  var stream = RandomStream(seed: seed)
  return Tensor.randomNormal(shape: shape, standardDeviation: scale, stream: &stream)
}

@Suite("Block memory: stored and recomputed graphs")
struct BlockMemoryTests {
  enum BranchKind: String, CaseIterable, CustomTestStringConvertible {
    case convolutional, denseConvolutionalLearnable, perceptron
    var testDescription: String { rawValue }

    /// The input shape the branch takes.
    var inputShape: [Int] { self == .perceptron ? [6, 3] : [2, 5, 5, 2] }

    /// A branch built from `seed`: the same parameters for the same seed.
    func branch(seed: UInt64) -> any ResidualBranch {
      var random = RandomStream(seed: seed)
      switch self {
      case .convolutional:
        return ConvolutionalBranch(
          name: "g", channels: 2, hidden: [6, 6], activation: .lipSwish, coefficient: 0.9, leadingActivation: .included, random: &random)
      case .denseConvolutionalLearnable:
        return DenseConvolutionalBranch(
          name: "g", channels: 2, depth: 2, growth: 4, activation: .concatenatedLipSwish, coefficient: 0.9, concatenationCoefficient: 0.9,
          concatenation: .learnable(startIteration: 0), random: &random)
      case .perceptron:
        return LipschitzPerceptron(name: "g", widths: [3, 16, 16, 3], activation: .lipSwish, coefficient: 0.9, lastLayer: .standard, random: &random)
      }
    }
  }

  static let gradients: [LogDeterminantGradient] = [.neumannSeries, .backpropagation]

  /// The block's output and log-determinant from a non-leaf input (1.5·x), the gradient of
  /// ⟨y, r⟩ + ⟨log det, s⟩ with respect to x and every parameter.
  static func run(_ kind: BranchKind, gradient: LogDeterminantGradient, memory: BlockMemory) -> (y: Tensor, logDeterminant: Tensor, gradients: [Tensor]) {
    let branch = kind.branch(seed: 12)
    let block = InvertibleResidualBlock(
      name: "block", branch: branch, trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1),
      evaluationEstimator: .exactJacobian, gradient: gradient, memory: memory)
    let x = Variable(randomTensor(kind.inputShape, seed: 13, scale: 0.8), requiresGradient: true)
    var context = FlowContext(mode: .training, random: RandomStream(seed: 14))
    let output = block.forward(x * 1.5, context: &context)
    let loss = (output.value * Variable(randomTensor(kind.inputShape, seed: 15))).sum()
      + (output.logDeterminant * Variable(randomTensor([kind.inputShape[0]], seed: 16))).sum()
    let targets = [x] + block.parameters.map(\.variable)
    return (output.value.value, output.logDeterminant.value, Gradients.of(loss, withRespectTo: targets).map(\.value))
  }

  @Test("Recomputing a block in the backward pass gives the stored block's values and gradients", arguments: BranchKind.allCases, gradients)
  func recomputedBlockMatchesStoredBlock(kind: BranchKind, gradient: LogDeterminantGradient) {
    let stored = Self.run(kind, gradient: gradient, memory: .store)
    let recomputed = Self.run(kind, gradient: gradient, memory: .recompute)
    #expect(stored.y.scalars == recomputed.y.scalars)
    #expect((stored.logDeterminant - recomputed.logDeterminant).maximumAbsolute() <= 1e-5 * max(1, stored.logDeterminant.maximumAbsolute()))
    #expect(stored.gradients.count == recomputed.gradients.count)
    for (index, (a, b)) in zip(stored.gradients, recomputed.gradients).enumerated() {
      let scale = max(1e-3, a.maximumAbsolute())
      #expect((a - b).maximumAbsolute() <= 1e-5 * scale, "target \(index) of \(stored.gradients.count): \((a - b).maximumAbsolute()) against \(scale)")
    }
    #expect(stored.gradients.allSatisfy { $0.maximumAbsolute() > 0 }, "every target has a gradient")
  }

  @Test("Between the passes, a recomputing multi-scale model's graph holds a fraction of the stored model's numbers")
  func recomputingModelKeepsSmallGraph() {
    func numbersHeld(_ memory: BlockMemory) -> Int {
      var random = RandomStream(seed: 3)
      let model = MultiscaleModel.build(
        height: 8, width: 8, channels: 1, branch: .residualFlow(hidden: [8, 8]), scales: 2, blocksPerScale: 2, fullyConnectedBlocks: 1,
        logitAlpha: 0.05, trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1), gradient: .neumannSeries,
        memory: memory, random: &random)
      let x = Tensor.randomUniform(shape: [2, 8, 8, 1], lower: 0.1, upper: 0.9, stream: &random)
      var context = FlowContext(mode: .training, random: RandomStream(seed: 4))
      let output = model.forward(Variable(x), context: &context)
      let graph = Gradients.topologicalOrder(from: output.value.sum() + output.logDeterminant.sum())
      return graph.filter { !$0.isLeaf }.map(\.value.count).reduce(0, +)
    }
    let (stored, recomputed) = (numbersHeld(.store), numbersHeld(.recompute))
    #expect(recomputed * 5 < stored, "\(recomputed) numbers held against \(stored)")
  }
}
