import FlowCore
import Flows
import Foundation
import Testing

@Suite("Image models")
struct ImageModelTests {
  static func parameterCount(_ branch: ImageBranch, height: Int, channels: Int) -> Int {
    var random = RandomStream(seed: 1)
    let model = MultiscaleModel.build(
      height: height, width: height, channels: channels, branch: branch, logitAlpha: 0.05,
      trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1), gradient: .neumannSeries, random: &random)
    return model.parameters.map(\.count).reduce(0, +)
  }

  @Test("MNIST models (3 scales × 4 blocks + 4 FC blocks) match the reference budgets within 1 %")
  func mnistBudgets() {
    let residualFlow = Self.parameterCount(.residualFlow(hidden: [512, 512]), height: 28, channels: 1)
    let denseNet = Self.parameterCount(.denseNet(depth: 3, growth: 108, concatenation: .learnable(startIteration: 25)), height: 28, channels: 1)
    #expect(abs(Double(residualFlow) - 4_811_277) / 4_811_277 < 0.01, "\(residualFlow)")
    #expect(abs(Double(denseNet) - 4_806_082) / 4_806_082 < 0.01, "\(denseNet)")
  }

  @Test("CIFAR10 models match the reference budgets (≈ 8.7M each) within 1 %")
  func cifarBudgets() {
    let residualFlow = Self.parameterCount(.residualFlow(hidden: [512, 512]), height: 32, channels: 3)
    let denseNet = Self.parameterCount(.denseNet(depth: 3, growth: 124, concatenation: .learnable(startIteration: 25)), height: 32, channels: 3)
    #expect(abs(Double(residualFlow) - 8_730_441) / 8_730_441 < 0.01, "\(residualFlow)")
    #expect(abs(Double(denseNet) - 8_761_374) / 8_761_374 < 0.01, "\(denseNet)")
  }

  @Test("The parameter count from small builds equals that of the full model", arguments: [
    ImageBranch.residualFlow(hidden: [6, 5], fullyConnectedHidden: [7]), .denseNet(depth: 2, growth: 4, concatenation: .learnable(startIteration: 0)),
  ])
  func parameterCountWithoutBuilding(branch: ImageBranch) {
    var random = RandomStream(seed: 2)
    for (scales, blocks, fullyConnected) in [(1, 1, 0), (2, 3, 2), (3, 2, 1)] {
      let model = MultiscaleModel.build(
        height: 8, width: 8, channels: 3, branch: branch, scales: scales, blocksPerScale: blocks, fullyConnectedBlocks: fullyConnected,
        logitAlpha: 0.05, trainingEstimator: .exactJacobian, gradient: .backpropagation, random: &random)
      let counted = MultiscaleModel.parameterCount(
        height: 8, width: 8, channels: 3, branch: branch, scales: scales, blocksPerScale: blocks, fullyConnectedBlocks: fullyConnected,
        activation: .lipSwish)
      #expect(counted == model.parameters.map(\.count).reduce(0, +), "scales \(scales), blocks \(blocks), FC \(fullyConnected)")
    }
  }

  @Test("The convolution's σ is the norm of the explicit convolution operator at the input resolution, and Ŵ respects the coefficient")
  func convolutionSpectralNormIsTheOperatorNorm() {
    var random = RandomStream(seed: 5)
    let layer = LipschitzConvolution(name: "c", inputChannels: 2, outputChannels: 3, kernelSize: 3, coefficient: 0.7, random: &random)
    layer.weight.value = layer.weight.value * 5
    let (height, width) = (5, 4)
    _ = layer(Variable(Tensor.zeros([1, height, width, 2])))
    layer.updateSpectralNorm(.iterations(300))
    func operatorMatrix(_ weight: Tensor) -> [Double] {
      let inputs = height * width * 2
      let outputs = height * width * 3
      var matrix = [Double](repeating: 0, count: outputs * inputs)
      for column in 0..<inputs {
        var basis = Tensor.zeros([1, height, width, 2])
        basis[flat: column] = 1
        let image = Convolution.forward(basis, weight: weight, padding: 1)
        for row in 0..<outputs { matrix[row * inputs + column] = Double(image[flat: row]) }
      }
      return matrix
    }
    let raw = largestSingularValue(operatorMatrix(layer.weight.value), rows: 60, columns: 40)
    #expect(abs(Double(layer.spectralNormEstimate) - raw) < 1e-3 * raw, "\(layer.spectralNormEstimate) vs \(raw)")
    let used = largestSingularValue(operatorMatrix(layer.normalizedWeight().value), rows: 60, columns: 40)
    #expect(used <= 0.7 * (1 + 1e-3) && used >= 0.7 * 0.99, "σ(Ŵ) = \(used)")
  }

  @Test("Small multi-scale models of both families invert to 1e-4", arguments: [ImageBranch.residualFlow(hidden: [16, 16]), .denseNet(depth: 2, growth: 6, concatenation: .learnable(startIteration: 0))])
  func imageModelsInvert(branch: ImageBranch) throws {
    var random = RandomStream(seed: 9)
    let model = MultiscaleModel.build(
      height: 8, width: 8, channels: 2, branch: branch, scales: 2, blocksPerScale: 2, fullyConnectedBlocks: 1,
      logitAlpha: 0.05, trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1), gradient: .neumannSeries, random: &random)
    let x = Tensor.randomUniform(shape: [3, 8, 8, 2], lower: 0.05, upper: 0.95, stream: &random)
    var context = FlowContext(mode: .training, random: random.split())
    let output = model.forward(Variable(x), context: &context)
    #expect(output.value.shape == [3, 4, 4, 8])
    #expect(output.logDeterminant.shape == [3])
    let recovered = try model.inverse(output.value.value)
    #expect((recovered - x).maximumAbsolute() <= 1e-4)
  }

  @Test("A small image model's log-likelihood gradients (through the estimator's vector-Jacobian products: second order) match finite differences", arguments: [
    ImageBranch.residualFlow(hidden: [5, 5], fullyConnectedHidden: [6]), .denseNet(depth: 2, growth: 4, concatenation: .learnable(startIteration: 0)),
  ])
  func imageModelGradientsMatchFiniteDifferences(branch: ImageBranch) {
    var random = RandomStream(seed: 21)
    let model = MultiscaleModel.build(
      height: 4, width: 4, channels: 1, branch: branch, scales: 2, blocksPerScale: 1, fullyConnectedBlocks: 1, logitAlpha: 0.05,
      trainingEstimator: .powerSeries(terms: 3), gradient: .backpropagation, random: &random)
    let x = Tensor.randomUniform(shape: [3, 4, 4, 1], lower: 0.1, upper: 0.9, stream: &random)
    func loss(_ input: Variable) -> Variable {
      var context = FlowContext(mode: .training, random: RandomStream(seed: 4))  // the same probes every call
      return model.logLikelihood(input, context: &context) * (1 / 16)
    }
    _ = loss(Variable(x))  // ActNorm's data-dependent initialisation and the power-iteration vectors
    model.updateSpectralNorms(.iterations(50))
    let inputCheck = GradientCheck.check(inputs: [x], step: 1e-2) { loss($0[0]) }
    #expect(inputCheck.passed, "input: \(inputCheck)")
    // Parameters: every tensor, a few coordinates each, by central differences of the batch mean.
    var worst: (String, Float, Float) = ("", 0, 0)
    var failures = 0
    for parameter in model.parameters {
      let analytic = Gradients.of(loss(Variable(x)).mean(), withRespectTo: [parameter.variable])[0].value
      for coordinate in Set([0, parameter.count / 2, parameter.count - 1]) {
        let original = parameter.value
        func shifted(_ delta: Float) -> Float {
          var value = original
          value[flat: coordinate] += delta
          parameter.value = value
          defer { parameter.value = original }
          return loss(Variable(x)).mean().value.scalar
        }
        let numeric = (shifted(1e-2) - shifted(-1e-2)) / 2e-2
        let found = analytic[flat: coordinate]
        if abs(found - numeric) > 3e-3 + 2e-2 * max(abs(found), abs(numeric)) {
          failures += 1
          worst = ("\(parameter.name)[\(coordinate)]", found, numeric)
        }
      }
    }
    #expect(failures == 0, "\(failures) coordinates off, e.g. \(worst.0): analytic \(worst.1), numeric \(worst.2)")
  }

  @Test("The logit transform's log-determinant equals the sum of log derivatives")
  func logitLogDeterminantIsExact() {
    let transform = LogitTransform(name: "logit", alpha: 0.05)
    let x = Tensor(shape: [1, 1, 2, 1], scalars: [0.2, 0.9])
    var context = FlowContext(mode: .evaluation, random: RandomStream(seed: 0))
    let logDet = transform.forward(Variable(x), context: &context).logDeterminant.value.scalar
    var expected: Float = 0
    for value in x.scalars {
      let s = 0.05 + 0.9 * value
      expected += log(0.9 / (s * (1 - s)))
    }
    #expect(abs(logDet - expected) < 1e-5)
  }
}
