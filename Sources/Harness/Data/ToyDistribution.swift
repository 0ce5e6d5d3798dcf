import FlowCore
import Foundation

/// The 2-D toy distributions of Table 1, with the generators of the reference code
/// (residual-flows `lib/toy_data.py: inf_train_gen`; sklearn's `make_circles` / `make_moons`).
/// Batches are drawn fresh from an explicit random stream.
public enum ToyDistribution: String, Sendable, CaseIterable, Codable {
  /// Two rings of radius 3 and 1.5 with equal mass and Gaussian noise of standard deviation 0.24
  /// (make_circles(factor: 0.5, noise: 0.08), times 3).
  case circles = "2circles"
  /// Uniform on 8 of the 16 2×2 squares covering [−4, 4]² (density 1/32).
  case checkerboard
  /// Two interleaved half circles of radius 2 with noise 0.2 (make_moons(noise: 0.1)·2 + (−1, −0.2)).
  case moons = "2moons"

  /// The differential entropy in nats: the lowest test NLL any model can reach. Checkerboard is
  /// exact (ln 32); circles and moons are Monte-Carlo estimates (± 0.004) from the reference notes.
  public var entropy: Double {
    switch self {
    case .circles: return 3.272
    case .checkerboard: return Foundation.log(32)
    case .moons: return 2.397
    }
  }

  /// `count` samples, `[count, 2]`.
  public func sample(count: Int, random: inout RandomStream) -> Tensor {
    precondition(count > 0, "A batch needs at least one sample, got \(count)")
    switch self {
    case .circles: return ToyDistribution.circles(count: count, random: &random)
    case .checkerboard: return ToyDistribution.checkerboard(count: count, random: &random)
    case .moons: return ToyDistribution.moons(count: count, random: &random)
    }
  }

  /// make_circles: B/2 points on the unit circle and the rest on the circle of radius 0.5, at
  /// evenly spaced angles without the endpoint; N(0, 0.08²) noise; times 3.
  static func circles(count: Int, random: inout RandomStream) -> Tensor {
    let outer = count / 2
    let inner = count - outer
    let noise = Tensor.randomNormal(shape: [count, 2], standardDeviation: 0.08, stream: &random)
    var points = [Float](repeating: 0, count: 2 * count)
    for index in 0..<count {
      let (position, total, radius) = index < outer ? (index, outer, 1.0) : (index - outer, inner, 0.5)
      let angle = 2 * Double.pi * Double(position) / Double(total)
      points[2 * index] = Float(3 * (radius * Foundation.cos(angle))) + 3 * noise[flat: 2 * index]
      points[2 * index + 1] = Float(3 * (radius * Foundation.sin(angle))) + 3 * noise[flat: 2 * index + 1]
    }
    return Tensor(shape: [count, 2], scalars: points)
  }

  /// make_moons: the outer arc (cos t, sin t) and the inner arc (1 − cos t, 0.5 − sin t) with
  /// t evenly spaced on [0, π] *including* the endpoint; N(0, 0.1²) noise; then ·2 + (−1, −0.2).
  static func moons(count: Int, random: inout RandomStream) -> Tensor {
    let outer = count / 2
    let inner = count - outer
    let noise = Tensor.randomNormal(shape: [count, 2], standardDeviation: 0.1, stream: &random)
    var points = [Float](repeating: 0, count: 2 * count)
    for index in 0..<count {
      let isOuter = index < outer
      let (position, total) = isOuter ? (index, outer) : (index - outer, inner)
      let t = total > 1 ? Double.pi * Double(position) / Double(total - 1) : 0
      let x = isOuter ? Foundation.cos(t) : 1 - Foundation.cos(t)
      let y = isOuter ? Foundation.sin(t) : 0.5 - Foundation.sin(t)
      points[2 * index] = (Float(x) + noise[flat: 2 * index]) * 2 - 1
      points[2 * index + 1] = (Float(y) + noise[flat: 2 * index + 1]) * 2 - 0.2
    }
    return Tensor(shape: [count, 2], scalars: points)
  }

  /// x₁ ~ U[−2, 2); x₂ = U[0, 1) − 2·Bernoulli(½) + (⌊x₁⌋ mod 2) with *floor* modulo (Python's
  /// `%`, not Swift's truncating one); the result times 2.
  static func checkerboard(count: Int, random: inout RandomStream) -> Tensor {
    let first = Tensor.randomUniform(shape: [count], stream: &random)
    let second = Tensor.randomUniform(shape: [count], stream: &random)
    let coin = Tensor.randomBernoulli(shape: [count], probability: 0.5, stream: &random)
    var points = [Float](repeating: 0, count: 2 * count)
    for index in 0..<count {
      let x1 = first[flat: index] * 4 - 2
      let floorModulo = Float(floorModulo(Int(x1.rounded(.down)), 2))
      let x2 = second[flat: index] - 2 * coin[flat: index] + floorModulo
      points[2 * index] = x1 * 2
      points[2 * index + 1] = x2 * 2
    }
    return Tensor(shape: [count, 2], scalars: points)
  }

  /// a mod b with the sign of b (Python's `%`).
  public static func floorModulo(_ a: Int, _ b: Int) -> Int {
    let remainder = a % b
    return remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder
  }
}
