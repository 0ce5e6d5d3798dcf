import FlowCore
import Flows
import Foundation
import Testing

@Suite("Classification head and cross-entropy")
struct ClassificationHeadTests {
  /// A small head on two feature maps (4 and 6 channels), its ActNorms initialised by one call.
  static func head(features: [Tensor]) -> ClassificationHead {
    var random = RandomStream(seed: 11)
    let head = ClassificationHead(channels: features.map { $0.shape[3] }, width: 5, classes: 3, random: &random)
    _ = head(features.map { Variable($0) })
    return head
  }

  static func features(seed: UInt64) -> [Tensor] {
    var random = RandomStream(seed: seed)
    return [Tensor.randomNormal(shape: [2, 4, 4, 4], stream: &random), Tensor.randomNormal(shape: [2, 2, 2, 6], stream: &random)]
  }

  @Test("The cross-entropy is −log softmax(ℓ)_y computed directly, and survives logits of 1000")
  func crossEntropyValue() {
    let logits: [Float] = [0.5, -1, 2, 3, 0, -2]
    let value = CrossEntropy.perSample(logits: Variable(Tensor(shape: [2, 3], scalars: logits)), labels: [2, 0]).value.scalars
    for (row, label) in [(0, 2), (1, 0)] {
      let exponentials = logits[(row * 3)..<(row * 3 + 3)].map { Foundation.exp(Double($0)) }
      let expected = -Foundation.log(exponentials[label] / exponentials.reduce(0, +))
      #expect(abs(Double(value[row]) - expected) < 1e-5, "row \(row): \(value[row]) against \(expected)")
    }
    let large = CrossEntropy.perSample(logits: Variable(Tensor(shape: [1, 3], scalars: [1000, 999, 0])), labels: [1]).value.scalars[0]
    #expect(abs(Double(large) - (1 + Foundation.log(1 + Foundation.exp(-1.0)))) < 1e-4, "\(large)")
  }

  @Test("The cross-entropy's gradient in the logits matches finite differences")
  func crossEntropyGradient() {
    var random = RandomStream(seed: 3)
    let logits = Tensor.randomNormal(shape: [4, 5], stream: &random)
    let report = GradientCheck.check(inputs: [logits]) { CrossEntropy.perSample(logits: $0[0], labels: [4, 0, 2, 2]) }
    #expect(report.passed, "\(report)")
  }

  @Test("Predictions are the index of the largest logit of each row")
  func predictions() {
    let logits = Tensor(shape: [3, 3], scalars: [0, 2, 1, 5, -1, 4, -3, -2, -1])
    #expect(CrossEntropy.predictions(logits: logits) == [1, 0, 2])
  }

  @Test("The head's gradient in its features matches finite differences")
  func headGradientInFeatures() {
    let features = Self.features(seed: 5)
    let head = Self.head(features: features)
    let report = GradientCheck.check(inputs: features) { head($0) }
    #expect(report.passed, "\(report)")
  }

  @Test("The head's gradient in every parameter matches finite differences of the cross-entropy")
  func headGradientInParameters() {
    let features = Self.features(seed: 6).map { Variable($0) }
    let head = Self.head(features: features.map(\.value))
    func loss() -> Variable { CrossEntropy.perSample(logits: head(features), labels: [1, 2]).mean() }
    let analytic = Gradients.of(loss(), withRespectTo: head.parameters.map(\.variable)).map(\.value)
    let step: Float = 1e-2
    for (parameter, gradient) in zip(head.parameters, analytic) {
      for coordinate in stride(from: 0, to: parameter.count, by: max(parameter.count / 6, 1)) {
        let original = parameter.value
        var plus = original, minus = original
        plus[flat: coordinate] += step
        minus[flat: coordinate] -= step
        parameter.value = plus
        let up = loss().value.scalar
        parameter.value = minus
        let down = loss().value.scalar
        parameter.value = original
        let numeric = (up - down) / (2 * step)
        #expect(abs(numeric - gradient[flat: coordinate]) <= 2e-3 + 2e-2 * abs(numeric), "\(parameter.name)[\(coordinate)]")
      }
    }
  }

  @Test("A head whose ReLU passed negative values would fail the same check")
  func wrongRectifierFails() {
    let features = Self.features(seed: 5)
    let head = Self.head(features: features)
    let report = GradientCheck.check(inputs: features) { variables in
      // The value of ReLU with the gradient of the identity: a wrong backward rule.
      let rectified = variables.map { $0.rectified() }
      let wrong = zip(variables, rectified).map { variable, output in variable + Variable(output.value - variable.value) }
      return head(wrong)
    }
    #expect(!report.passed)
  }

  @Test("The head sees one feature map per scale with the channels it was built for, and keeping them changes nothing")
  func featuresOfAMultiscaleModel() {
    var random = RandomStream(seed: 8)
    let model = MultiscaleModel.build(
      height: 8, width: 8, channels: 1, branch: .residualFlow(hidden: [4, 4], fullyConnectedHidden: [6]), scales: 3, blocksPerScale: 1,
      fullyConnectedBlocks: 1, logitAlpha: 1e-6, trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1),
      gradient: .neumannSeries, random: &random)
    let input = Tensor.randomUniform(shape: [2, 8, 8, 1], lower: 0.01, upper: 0.99, stream: &random)
    var plain = FlowContext(mode: .evaluation, random: RandomStream(seed: 9))
    let expected = model.forward(Variable(input), context: &plain)
    var keeping = FlowContext(mode: .evaluation, random: RandomStream(seed: 9))
    let (output, features) = model.forward(Variable(input), context: &keeping, keeping: ClassificationHead.featurePositions(of: model))
    #expect(output.value.value == expected.value.value && output.logDeterminant.value == expected.logDeterminant.value)
    #expect(features.map { $0.shape } == [[2, 4, 4, 4], [2, 2, 2, 16], [2, 2, 2, 16]])
    #expect(features.map { $0.shape[3] } == ClassificationHead.featureChannels(channels: 1, scales: 3))
    #expect(features[2].value == output.value.value)
  }

  @Test("Skipping log-determinants leaves f(x) unchanged and draws nothing from the stream, also when blocks recompute", arguments: [BlockMemory.store, .recompute])
  func skippedLogDeterminants(memory: BlockMemory) {
    var random = RandomStream(seed: 8)
    let model = MultiscaleModel.build(
      height: 4, width: 4, channels: 1, branch: .residualFlow(hidden: [4, 4], fullyConnectedHidden: [6]), scales: 2, blocksPerScale: 1,
      fullyConnectedBlocks: 1, logitAlpha: 1e-6, trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1),
      gradient: .neumannSeries, memory: memory, random: &random)
    let input = Variable(Tensor.randomUniform(shape: [2, 4, 4, 1], lower: 0.01, upper: 0.99, stream: &random))
    var estimated = FlowContext(mode: .training, random: RandomStream(seed: 4))
    let full = model.forward(input, context: &estimated)
    var skipped = FlowContext(mode: .training, random: RandomStream(seed: 4))
    skipped.logDeterminants = .skipped
    let cheap = model.forward(input, context: &skipped)
    #expect(cheap.value.value == full.value.value)
    #expect(skipped.random == RandomStream(seed: 4))
    #expect(estimated.random != RandomStream(seed: 4))
  }
}
