import FlowCore
import Foundation
import Testing

@Suite("Random streams")
struct RandomStreamTests {
  @Test("Philox4x32-10 reproduces the Random123 known-answer vectors")
  func philoxMatchesKnownAnswers() {
    let zero = Philox.block(counter: (0, 0, 0, 0), key: (0, 0))
    #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8])
    let ones = Philox.block(counter: (.max, .max, .max, .max), key: (.max, .max))
    #expect([ones.0, ones.1, ones.2, ones.3] == [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD])
    let pi = Philox.block(counter: (0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), key: (0xA409_3822, 0x299F_31D0))
    #expect([pi.0, pi.1, pi.2, pi.3] == [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1])
  }

  @Test("The same seed gives the same numbers; another seed does not")
  func seedsDetermineTheNumbers() {
    var first = RandomStream(seed: 42)
    var second = RandomStream(seed: 42)
    var other = RandomStream(seed: 43)
    let a = Tensor.randomNormal(shape: [1000], stream: &first)
    let b = Tensor.randomNormal(shape: [1000], stream: &second)
    let c = Tensor.randomNormal(shape: [1000], stream: &other)
    #expect(a == b)
    #expect(a != c)
    #expect(first.nextGeometric(0.5) == second.nextGeometric(0.5))
    #expect(first.nextPoisson(2) == second.nextPoisson(2))
  }

  @Test("Tensor fills are bit-identical with one and two threads")
  func fillsDoNotDependOnThreadCount() {
    let (normalOne, uniformOne) = Parallelism.withThreads(1) { () -> (Tensor, Tensor) in
      var stream = RandomStream(seed: 7)
      return (Tensor.randomNormal(shape: [300_001], stream: &stream), Tensor.randomUniform(shape: [300_001], stream: &stream))
    }
    let (normalTwo, uniformTwo) = Parallelism.withThreads(2) { () -> (Tensor, Tensor) in
      var stream = RandomStream(seed: 7)
      return (Tensor.randomNormal(shape: [300_001], stream: &stream), Tensor.randomUniform(shape: [300_001], stream: &stream))
    }
    #expect(normalOne == normalTwo)
    #expect(uniformOne == uniformTwo)
  }

  @Test("Split streams differ from each other and from the parent, and splitting does not disturb the parent")
  func splitStreamsAreIndependent() {
    var parent = RandomStream(seed: 1)
    var untouched = RandomStream(seed: 1)
    var children = parent.split(into: 3)
    let parentDraw = Tensor.randomUniform(shape: [64], stream: &parent)
    #expect(parentDraw == Tensor.randomUniform(shape: [64], stream: &untouched))
    let draws = (0..<3).map { Tensor.randomUniform(shape: [64], stream: &children[$0]) }
    #expect(draws[0] != draws[1] && draws[1] != draws[2] && draws[0] != parentDraw)
    var again = RandomStream(seed: 1)
    var sameChild = again.split()
    #expect(Tensor.randomUniform(shape: [64], stream: &sameChild) == draws[0])
  }

  @Test("Sample moments match each distribution within 5 standard errors")
  func distributionsHaveTheRightMoments() {
    var stream = RandomStream(seed: 2024)
    let n = 200_000
    func check(_ name: String, _ samples: [Double], mean: Double, variance: Double) {
      let sampleMean = samples.reduce(0, +) / Double(samples.count)
      let sampleVariance = samples.map { ($0 - sampleMean) * ($0 - sampleMean) }.reduce(0, +) / Double(samples.count - 1)
      let standardError = (variance / Double(samples.count)).squareRoot()
      #expect(abs(sampleMean - mean) < 5 * standardError, "\(name) mean \(sampleMean) vs \(mean)")
      #expect(abs(sampleVariance - variance) < 0.02 * variance, "\(name) variance \(sampleVariance) vs \(variance)")
    }
    check("normal", Tensor.randomNormal(shape: [n], stream: &stream).scalars.map(Double.init), mean: 0, variance: 1)
    check("uniform", Tensor.randomUniform(shape: [n], stream: &stream).scalars.map(Double.init), mean: 0.5, variance: 1.0 / 12)
    check("bernoulli", Tensor.randomBernoulli(shape: [n], probability: 0.3, stream: &stream).scalars.map(Double.init), mean: 0.3, variance: 0.21)
    check("geometric", (0..<n).map { _ in Double(stream.nextGeometric(0.5)) }, mean: 2, variance: 2)
    check("poisson", (0..<n).map { _ in Double(stream.nextPoisson(2)) }, mean: 2, variance: 2)
    check("poisson 30", (0..<n).map { _ in Double(stream.nextPoisson(30)) }, mean: 30, variance: 30)
  }

  @Test("Geometric draws start at 1 and Poisson draws at 0")
  func supportsAreRight() {
    var stream = RandomStream(seed: 3)
    let geometric = (0..<10_000).map { _ in stream.nextGeometric(0.5) }
    let poisson = (0..<10_000).map { _ in stream.nextPoisson(2) }
    #expect(geometric.min() == 1)
    #expect(poisson.min() == 0)
    #expect(Double(geometric.filter { $0 == 1 }.count) / 10_000 > 0.47)
    #expect(abs(Double(poisson.filter { $0 == 0 }.count) / 10_000 - Foundation.exp(-2)) < 0.02)
  }
}
