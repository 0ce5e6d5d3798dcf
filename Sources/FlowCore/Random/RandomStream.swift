import Foundation

/// A seeded, splittable stream of random numbers, passed explicitly (`inout`) wherever randomness
/// is used; there is no global generator.
///
/// Word i of the stream is word i % 4 of Philox(key, counter = (i / 4, domain)). Draws advance a
/// 64-bit block position; ``split()`` derives an independent child key from the parent key and a
/// split counter, in a counter domain the parent's draws never use. Tensor fills index the
/// counter by element, so the numbers do not depend on how the fill is divided among threads.
public struct RandomStream: Sendable, Equatable {
  /// The Philox key.
  public let key: UInt64
  /// The next unused block of the draw domain.
  public private(set) var position: UInt64 = 0
  /// How many children have been split off.
  public private(set) var splits: UInt64 = 0

  private static let drawDomain: UInt32 = 0
  private static let splitDomain: UInt32 = 0x5EED_0001

  /// A stream determined by `seed`.
  public init(seed: UInt64) {
    key = seed
  }

  private init(key: UInt64) {
    self.key = key
  }

  /// The stream at a saved state (``key``, ``position``, ``splits``), for resuming from a
  /// checkpoint: it continues exactly where the saved stream stood.
  public init(key: UInt64, position: UInt64, splits: UInt64) {
    self.key = key
    self.position = position
    self.splits = splits
  }

  private var keyWords: (UInt32, UInt32) {
    (UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32))
  }

  /// The 4 words of block `index` in the draw domain.
  @inline(__always)
  func block(_ index: UInt64) -> Philox.Block {
    Philox.block(
      counter: (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), RandomStream.drawDomain, 0),
      key: keyWords)
  }

  /// An independent child stream. Splitting again gives a different child; the parent's own draws
  /// are unaffected by splits and vice versa.
  public mutating func split() -> RandomStream {
    let words = Philox.block(
      counter: (UInt32(truncatingIfNeeded: splits), UInt32(truncatingIfNeeded: splits >> 32), RandomStream.splitDomain, 0),
      key: keyWords)
    splits += 1
    return RandomStream(key: UInt64(words.0) | UInt64(words.1) << 32)
  }

  /// `count` independent child streams.
  public mutating func split(into count: Int) -> [RandomStream] {
    (0..<count).map { _ in split() }
  }

  /// Reserves `blocks` consecutive blocks and returns the first one's index.
  mutating func reserve(blocks: Int) -> UInt64 {
    let start = position
    position += UInt64(blocks)
    return start
  }

  // MARK: - Scalars

  /// A uniform Double in [0, 1) with 53 random bits.
  public mutating func nextUniform() -> Double {
    let words = block(reserve(blocks: 1))
    let bits = (UInt64(words.0) << 21) ^ UInt64(words.1 >> 11)
    return Double(bits & ((1 << 53) - 1)) * 0x1p-53
  }

  /// A uniform Double in (0, 1].
  mutating func nextPositiveUniform() -> Double { 1 - nextUniform() }

  /// True with probability `probability`.
  public mutating func nextBernoulli(_ probability: Double) -> Bool {
    precondition(probability >= 0 && probability <= 1, "Bernoulli probability must be in [0, 1], got \(probability)")
    return nextUniform() < probability
  }

  /// The number of trials up to and including the first success, support {1, 2, …}
  /// (numpy's `geometric`): P(N = k) = (1 − p)^{k−1} p. Sampled by inversion.
  public mutating func nextGeometric(_ probability: Double) -> Int {
    precondition(probability > 0 && probability <= 1, "Geometric probability must be in (0, 1], got \(probability)")
    if probability == 1 { return 1 }
    let draw = Foundation.log(nextPositiveUniform()) / Foundation.log1p(-probability)
    return 1 + Int(Swift.min(draw.rounded(.down), Double(Int32.max)))
  }

  /// A Poisson(λ) count, support {0, 1, …}, by sequential inversion of the CDF (O(λ) per draw).
  /// - Precondition: 0 ≤ λ ≤ 500 (e^−λ must not underflow).
  public mutating func nextPoisson(_ rate: Double) -> Int {
    precondition(rate >= 0 && rate <= 500, "Poisson rate must be in [0, 500], got \(rate)")
    let u = nextUniform()
    var k = 0
    var probability = Foundation.exp(-rate)
    var cumulative = probability
    while u >= cumulative && probability > 0 {
      k += 1
      probability *= rate / Double(k)
      cumulative += probability
    }
    return k
  }
}

// MARK: - Random tensors

extension Tensor {
  /// Uniform samples in [lower, upper), 24 random bits each. Element i uses word i of the stream.
  public static func randomUniform(
    shape: [Int], lower: Float = 0, upper: Float = 1, stream: inout RandomStream
  ) -> Tensor {
    let result = Tensor(uninitializedShape: shape)
    let count = result.count
    let start = stream.reserve(blocks: (count + 3) / 4)
    let generator = stream
    let width = upper - lower
    Parallelism.forEachChunk(count: (count + 3) / 4, minimumParallelCount: 1 << 14, alignment: 1) { blocks in
      for blockIndex in blocks {
        let words = generator.block(start + UInt64(blockIndex))
        let base = blockIndex * 4
        @inline(__always) func write(_ lane: Int, _ word: UInt32) {
          if base + lane < count { result.pointer[base + lane] = lower + width * Float(word >> 8) * 0x1p-24 }
        }
        write(0, words.0)
        write(1, words.1)
        write(2, words.2)
        write(3, words.3)
      }
    }
    return result
  }

  /// Standard normal samples (Box–Muller in double precision). Elements 2j and 2j + 1 come from
  /// block j of the stream.
  public static func randomNormal(
    shape: [Int], mean: Float = 0, standardDeviation: Float = 1, stream: inout RandomStream
  ) -> Tensor {
    let result = Tensor(uninitializedShape: shape)
    let count = result.count
    let pairs = (count + 1) / 2
    let start = stream.reserve(blocks: pairs)
    let generator = stream
    Parallelism.forEachChunk(count: pairs, minimumParallelCount: 1 << 13, alignment: 1) { range in
      for pair in range {
        let words = generator.block(start + UInt64(pair))
        let first = (UInt64(words.0) << 21) ^ UInt64(words.1 >> 11)
        let second = (UInt64(words.2) << 21) ^ UInt64(words.3 >> 11)
        let u1 = 1 - Double(first & ((1 << 53) - 1)) * 0x1p-53
        let u2 = Double(second & ((1 << 53) - 1)) * 0x1p-53
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        result.pointer[2 * pair] = mean + standardDeviation * Float(radius * Foundation.cos(angle))
        if 2 * pair + 1 < count {
          result.pointer[2 * pair + 1] = mean + standardDeviation * Float(radius * Foundation.sin(angle))
        }
      }
    }
    return result
  }

  /// Bernoulli samples: 1 with probability `probability`, else 0.
  public static func randomBernoulli(shape: [Int], probability: Float, stream: inout RandomStream) -> Tensor {
    precondition(probability >= 0 && probability <= 1, "Bernoulli probability must be in [0, 1], got \(probability)")
    let threshold = Vector8(repeating: probability)
    return randomUniform(shape: shape, stream: &stream).mapVectors {
      Vector8(repeating: 0).replacing(with: 1, where: $0 .< threshold)
    }
  }
}
