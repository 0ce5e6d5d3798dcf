import FlowCore
import Flows
import Testing

@Suite("Weighted concatenation as a capability")
struct ConcatenationTests {
  static func toyModel(seed: UInt64) -> SequentialFlow {
    var random = RandomStream(seed: seed)
    let perceptron = LipschitzPerceptron(name: "g", widths: [2, 8, 2], activation: .lipSwish, coefficient: 0.9, random: &random)
    let dense = DenseBranch(
      name: "d", dimension: 2, depth: 3, growth: 4, activation: .lipSwish, coefficient: 0.9, concatenationCoefficient: 0.98,
      concatenation: .learnable(startIteration: 10), random: &random)
    let branches: [any ResidualBranch] = [perceptron, dense]
    let blocks: [any Flow] = branches.enumerated().map { index, branch in
      InvertibleResidualBlock(name: "block\(index)", branch: branch, trainingEstimator: .exactTwoByTwo, evaluationEstimator: .exactTwoByTwo)
    }
    return SequentialFlow(blocks)
  }

  @Test("A model lists the dense layers of its i-DenseNet blocks and none of its Residual Flow blocks")
  func modelListsOnlyDenseLayers() {
    let model = Self.toyModel(seed: 1)
    #expect(model.flows[0].concatenationLayers.isEmpty)
    #expect(model.flows[1].concatenationLayers.count == 3)
    #expect(model.concatenationLayers.count == 3)
  }

  @Test("Every listed layer starts at η̂ = 0.98/√2 for both parts")
  func listedWeightsStartEqual() {
    let model = Self.toyModel(seed: 2)
    for (first, second) in model.concatenationWeightValues {
      #expect(abs(first - 0.98 / Float(2).squareRoot()) < 1e-6)
      #expect(abs(second - first) < 1e-7)
    }
  }

  @Test("The image i-DenseNet branch reuses the dense layer: its layers are listed and scheduled inside a multi-scale model")
  func imageDenseLayersAreScheduled() {
    var random = RandomStream(seed: 3)
    let model = MultiscaleModel.build(
      height: 4, width: 4, channels: 1, branch: .denseNet(depth: 2, growth: 4, concatenation: .learnable(startIteration: 5)), scales: 2,
      blocksPerScale: 1, fullyConnectedBlocks: 1, logitAlpha: 1e-6, trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1),
      gradient: .neumannSeries, random: &random)
    let layers = model.concatenationLayers
    // Two convolutional blocks of depth 2 and one fully connected block of depth 3.
    #expect(layers.count == 7)
    let parameters = model.parameters.filter { $0.name.hasSuffix(".concatenation") }
    #expect(parameters.count == 7)
    for parameter in parameters { parameter.value = Tensor(shape: [2], scalars: [-2, 3]) }
    model.applyConcatenationSchedule(afterIteration: 4)
    #expect(parameters.allSatisfy { $0.value.scalars == [1, 1] })
    for parameter in parameters { parameter.value = Tensor(shape: [2], scalars: [-2, 3]) }
    model.applyConcatenationSchedule(afterIteration: 5)
    #expect(parameters.allSatisfy { $0.value.scalars == [-2, 3] })
  }
}
