import FlowCore
import Flows
import Foundation
import Harness
import Testing

@Suite("Toy distributions")
struct ToyDistributionTests {
  func points(_ distribution: ToyDistribution, count: Int = 20_000, seed: UInt64 = 1) -> [(Float, Float)] {
    var random = RandomStream(seed: seed)
    let tensor = distribution.sample(count: count, random: &random)
    #expect(tensor.shape == [count, 2])
    return (0..<count).map { (tensor[flat: 2 * $0], tensor[flat: 2 * $0 + 1]) }
  }

  @Test("Checkerboard samples lie on the 8 squares where ⌊x/2⌋ + ⌊y/2⌋ is even, each with 1/8 of the mass")
  func checkerboardCoversHalfTheSquares() {
    let samples = points(.checkerboard)
    var counts: [Int: Int] = [:]
    for (x, y) in samples {
      #expect(x >= -4 && x < 4 && y >= -4 && y < 4)
      let (column, row) = (Int((x / 2).rounded(.down)), Int((y / 2).rounded(.down)))
      #expect((column + row) % 2 == 0, "(\(x), \(y)) is on a white square")
      counts[column * 10 + row, default: 0] += 1
    }
    #expect(counts.count == 8)
    for count in counts.values { #expect(abs(Double(count) / Double(samples.count) - 0.125) < 0.01) }
  }

  @Test("Floor modulo follows Python for negative numbers")
  func floorModuloMatchesPython() {
    #expect(ToyDistribution.floorModulo(-1, 2) == 1)
    #expect(ToyDistribution.floorModulo(-2, 2) == 0)
    #expect(ToyDistribution.floorModulo(3, 2) == 1)
  }

  @Test("Circles have equal mass on rings of radius 3 and 1.5 with noise 0.24")
  func circlesHaveTheRightRadii() {
    let samples = points(.circles)
    let radii = samples.map { Double(($0.0 * $0.0 + $0.1 * $0.1).squareRoot()) }
    let outer = radii.prefix(samples.count / 2)
    let inner = radii.suffix(samples.count / 2)
    #expect(abs(outer.reduce(0, +) / Double(outer.count) - 3) < 0.02)
    #expect(abs(inner.reduce(0, +) / Double(inner.count) - 1.5) < 0.03)
  }

  @Test("Moons are half circles of radius 2 around (−1, −0.2) and (1, 0.8)")
  func moonsHaveTheRightCentres() {
    let samples = points(.moons)
    let outer = samples.prefix(samples.count / 2).map { Double((($0.0 + 1) * ($0.0 + 1) + ($0.1 + 0.2) * ($0.1 + 0.2)).squareRoot()) }
    let inner = samples.suffix(samples.count / 2).map { Double((($0.0 - 1) * ($0.0 - 1) + ($0.1 - 0.8) * ($0.1 - 0.8)).squareRoot()) }
    #expect(abs(outer.reduce(0, +) / Double(outer.count) - 2) < 0.03)
    #expect(abs(inner.reduce(0, +) / Double(inner.count) - 2) < 0.03)
    #expect(samples.prefix(samples.count / 2).map(\.1).reduce(0, +) / Float(samples.count / 2) > 0.7)
  }

  @Test("The same seed gives the same batch")
  func samplingIsReproducible() {
    for distribution in ToyDistribution.allCases {
      var first = RandomStream(seed: 9)
      var second = RandomStream(seed: 9)
      #expect(distribution.sample(count: 300, random: &first) == distribution.sample(count: 300, random: &second))
    }
  }

  @Test("The test NLL of an identity model on checkerboard data is the Gaussian NLL of those points")
  func identityModelNLLIsGaussian() {
    let model = SequentialFlow([])
    let result = ToyEvaluation.negativeLogLikelihood(of: model, on: .checkerboard, samples: 10_000, testSeed: 5)
    // E[½‖x‖² + ln 2π] for x uniform on half of [−4, 4]²: E[x²] = 16/3 per axis.
    let expected = 16.0 / 3 + Foundation.log(2 * Double.pi)
    #expect(abs(result.mean - expected) < 4 * result.standardError, "\(result) vs \(expected)")
    #expect(result.standardError > 0 && result.samples == 10_000)
  }
}
