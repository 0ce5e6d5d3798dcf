import FlowCore
import Flows
import Foundation
import Testing

@Suite("Residual blocks")
struct ResidualBlockTests {
  static func toyBlocks(seed: UInt64) -> [InvertibleResidualBlock] {
    var random = RandomStream(seed: seed)
    let perceptron = LipschitzPerceptron(name: "g", widths: [2, 128, 128, 128, 128, 2], activation: .lipSwish, coefficient: 0.9, lastLayer: .standard, random: &random)
    let dense = DenseBranch(name: "d", dimension: 2, depth: 4, growth: 90, activation: .lipSwish, coefficient: 0.9, concatenationCoefficient: 0.98, concatenation: .fixed, random: &random)
    let learnable = DenseBranch(name: "l", dimension: 2, depth: 4, growth: 90, activation: .lipSwish, coefficient: 0.9, concatenationCoefficient: 0.98, concatenation: .learnable(startIteration: 0), random: &random)
    learnable.layers[0].concatenationWeights!.value = Tensor(shape: [2], scalars: [-1, 2])
    return ([perceptron, dense, learnable] as [any ResidualBranch]).enumerated().map { index, branch in
      InvertibleResidualBlock(name: "block\(index)", branch: branch, trainingEstimator: .exactTwoByTwo, evaluationEstimator: .exactTwoByTwo)
    }
  }

  @Test("inverse(forward(x)) reproduces x to 1e-4 for every toy block type")
  func inverseRecoversInput() throws {
    var random = RandomStream(seed: 21)
    let x = Tensor.randomNormal(shape: [200, 2], standardDeviation: 2, stream: &random)
    for block in Self.toyBlocks(seed: 22) {
      var context = FlowContext(mode: .evaluation, random: random)
      let y = block.forward(Variable(x), context: &context).value.value
      let recovered = try block.inverse(y)
      #expect((recovered - x).maximumAbsolute() <= 1e-4, "\(block.name)")
    }
  }

  @Test("A whole sequential model inverts, and samples map back to the base")
  func sequentialModelInverts() throws {
    let model = SequentialFlow(Self.toyBlocks(seed: 23))
    var random = RandomStream(seed: 24)
    let x = Tensor.randomNormal(shape: [100, 2], stream: &random)
    var context = FlowContext(mode: .evaluation, random: random)
    let z = model.forward(Variable(x), context: &context).value.value
    #expect((try model.inverse(z) - x).maximumAbsolute() <= 1e-4)
  }

  @Test("Sampling inverts base draws: the model maps the samples back to those draws")
  func samplesComeFromTheInverse() throws {
    let model = SequentialFlow(Self.toyBlocks(seed: 28))
    var random = RandomStream(seed: 29)
    var replay = random
    let samples = try model.sample(count: 64, latentShape: [2], random: &random)
    let draws = StandardNormal.sample(count: 64, shape: [2], random: &replay)
    var context = FlowContext(mode: .evaluation, random: random)
    #expect((model.forward(Variable(samples), context: &context).value.value - draws).maximumAbsolute() < 1e-4)
  }

  @Test("A block that cannot converge reports which block and the residual instead of returning garbage")
  func nonConvergenceIsATypedError() {
    var random = RandomStream(seed: 25)
    let branch = LipschitzPerceptron(name: "g", widths: [2, 32, 2], activation: .lipSwish, coefficient: 0.9, lastLayer: .standard, random: &random)
    let block = InvertibleResidualBlock(name: "block7", branch: branch, trainingEstimator: .exactTwoByTwo, evaluationEstimator: .exactTwoByTwo, inverseIterationLimit: 2)
    let y = Tensor.randomNormal(shape: [50, 2], standardDeviation: 3, stream: &random)
    #expect {
      _ = try block.inverse(y)
    } throws: { error in
      guard case .inverseDidNotConverge(let name, let iterations, let residual)? = error as? FlowError else { return false }
      return name == "block7" && iterations == 2 && residual > 0
    }
  }

  @Test("The inverse stops at float rounding where x is far from y, instead of circling between neighbouring floats")
  func inverseStopsAtRoundingOfLargeResiduals() throws {
    var random = RandomStream(seed: 31)
    // One layer W = 0.98·I, b = −6: the iteration x ← y − g(x) has slope about −0.98, so far from
    // y ≈ 0 float rounding of g can leave it alternating between floats a few ulps apart, more
    // than 1e-6 + 1e-5·|y| (the criterion this replaces fails here) but far below 1e-5·|g(x)|.
    let branch = LipschitzPerceptron(name: "g", widths: [2, 2], activation: .lipSwish, coefficient: 0.99, lastLayer: .standard, random: &random)
    let weight = try #require(branch.parameters.first { $0.name.hasSuffix("weight") && $0.value.shape == [2, 2] })
    let bias = try #require(branch.parameters.first { $0.name.hasSuffix("bias") })
    weight.value = Tensor(shape: [2, 2], scalars: [0.98, 0, 0, 0.98])
    bias.value = Tensor(repeating: -6, shape: [2])
    let block = InvertibleResidualBlock(name: "block", branch: branch, trainingEstimator: .exactTwoByTwo, evaluationEstimator: .exactTwoByTwo)
    let y = Tensor.randomNormal(shape: [5000, 2], standardDeviation: 0.01, stream: &random)
    let x = try block.inverse(y)
    #expect((x + branch(Variable(x)).value - y).maximumAbsolute() < 1e-4)
    #expect((x - y).absolute().scalars.allSatisfy { $0 > 1 }, "x is far from y")
  }

  @Test("The exact 2×2 log-determinant equals the LU log-determinant of I + J")
  func exactTwoByTwoMatchesLU() {
    var random = RandomStream(seed: 26)
    let x = Tensor.randomNormal(shape: [30, 2], stream: &random)
    for block in Self.toyBlocks(seed: 27) {
      var context = FlowContext(mode: .evaluation, random: random)
      let twoByTwo = block.forward(Variable(x), context: &context).logDeterminant.value
      let lu = InvertibleResidualBlock(name: "b", branch: block.branch, trainingEstimator: .exactJacobian, evaluationEstimator: .exactJacobian)
      let reference = lu.forward(Variable(x), context: &context).logDeterminant.value
      #expect((twoByTwo - reference).maximumAbsolute() < 1e-5)
    }
  }
}
