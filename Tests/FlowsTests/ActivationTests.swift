import FlowCore
import Flows
import Testing

@Suite("Activations and concatenation")
struct ActivationTests {
  @Test("CLipSwish and ELU gradients, first and second order, match finite differences", arguments: [ActivationKind.concatenatedLipSwish, .elu, .lipSwish])
  func activationGradientsMatchFiniteDifferences(kind: ActivationKind) {
    let activation = Activation(kind, name: "a")
    var random = RandomStream(seed: 3)
    let x = Tensor.randomNormal(shape: [4, 5], stream: &random)
    let first = GradientCheck.check(inputs: [x]) { activation($0[0]) }
    #expect(first.passed, "\(kind): \(first)")
    let probe = Tensor.randomNormal(shape: [4, 5], stream: &random)
    let second = GradientCheck.check(inputs: [x]) { inputs in
      let leaf = inputs[0].requiresGradient ? inputs[0] : Variable(inputs[0].value, requiresGradient: true)
      let gradient = Gradients.of(activation(leaf).squared().sum(), withRespectTo: [leaf], mode: .differentiable)[0]
      return (gradient * Variable(probe)).sum()
    }
    #expect(second.passed, "\(kind): \(second)")
  }

  @Test("CLipSwish doubles the width and its Jacobian column norms stay below 1 for any slope")
  func concatenatedLipSwishIsOneLipschitz() {
    let x = Tensor(shape: [801, 1], scalars: (0..<801).map { Float($0) / 40 - 10 })
    for rawSlope: Float in [-3, 0.5, 4] {
      let activation = Activation(.concatenatedLipSwish, name: "a")
      activation.rawSlope!.value = Tensor(rawSlope)
      let input = Variable(x, requiresGradient: true)
      let output = activation(input)
      #expect(output.shape == [801, 2])
      let positive = Gradients.of(output, withRespectTo: [input], seed: Variable(Tensor.concatenatingLastAxis([Tensor.ones([801, 1]), Tensor.zeros([801, 1])])))[0].value
      let negative = Gradients.of(output, withRespectTo: [input], seed: Variable(Tensor.concatenatingLastAxis([Tensor.zeros([801, 1]), Tensor.ones([801, 1])])))[0].value
      let norms = (positive.squared() + negative.squared()).squareRoot()
      #expect(norms.maximumAbsolute() < 1, "β̃ = \(rawSlope): max column norm \(norms.maximumAbsolute())")
    }
  }

  @Test("The CIFAR10 i-DenseNet with CLipSwish, depth 3, growth 178 matches the reference budget within 1 %")
  func concatenatedLipSwishBudget() {
    var random = RandomStream(seed: 4)
    let model = MultiscaleModel.build(
      height: 32, width: 32, channels: 3, branch: .denseNet(depth: 3, growth: 178, concatenation: .learnable(startIteration: 25)),
      activation: .concatenatedLipSwish, logitAlpha: 0.05, trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1),
      gradient: .neumannSeries, random: &random)
    let count = model.parameters.map(\.count).reduce(0, +)
    #expect(abs(Double(count) - 8_695_158) / 8_695_158 < 0.01, "\(count)")
  }

  @Test("Learnable concatenation weights are reset to 1 before the start iteration and left alone after it")
  func concatenationScheduleResetsUntilStart() {
    var random = RandomStream(seed: 5)
    let branch = DenseBranch(name: "d", dimension: 2, depth: 2, growth: 4, activation: .lipSwish, coefficient: 0.9, concatenationCoefficient: 0.98, concatenation: .learnable(startIteration: 10), random: &random)
    let model = SequentialFlow([InvertibleResidualBlock(name: "b", branch: branch, trainingEstimator: .exactTwoByTwo, evaluationEstimator: .exactTwoByTwo)])
    let moved = Tensor(shape: [2], scalars: [0.3, 2])
    branch.layers[1].concatenationWeights!.value = moved
    model.applyConcatenationSchedule(afterIteration: 9)
    #expect(branch.layers[1].concatenationWeights!.value.scalars == [1, 1])
    branch.layers[1].concatenationWeights!.value = moved
    model.applyConcatenationSchedule(afterIteration: 10)
    #expect(branch.layers[1].concatenationWeights!.value == moved)
  }
}
