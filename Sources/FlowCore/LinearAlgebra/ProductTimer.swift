import Dispatch
import Synchronization

/// The wall time of every matrix product ``Gemm`` computes, summed by shape: which products of a
/// training step take longest, and at what rate they run inside the step (where their operands
/// and C may be out of cache) against the same shapes alone. A diagnostic for the benchmarks
/// (`lipflow-bench --toy-case NAME --product-times`).
///
/// A task-local value, as ``FlopCounter`` is: bound around a step it sees every product the step
/// issues, also from tasks run on worker threads (``Parallelism/forEachIndependentTask(count:_:)``).
/// Without a timer bound, nothing is timed and nothing is paid but one task-local read per
/// product. Products of a convolution are timed one im2col chunk at a time, under the chunk's own
/// shape; the narrow convolutions that bypass ``Gemm`` are not timed.
public final class ProductTimer: Sendable {
  /// One kind of product: op(A) `[m, k]` times op(B) `[k, n]`.
  public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public let m: Int
    public let n: Int
    public let k: Int
    public let transposeA: Transposition
    public let transposeB: Transposition

    public init(m: Int, n: Int, k: Int, transposeA: Transposition, transposeB: Transposition) {
      (self.m, self.n, self.k, self.transposeA, self.transposeB) = (m, n, k, transposeA, transposeB)
    }

    /// Floating-point operations of one product: 2·m·n·k.
    public var operations: Int { 2 * m * n * k }

    /// `m×n×k` and the transpositions of A and B (`N` as stored, `T` transposed): `500x272x90 NN`.
    public var description: String {
      let letter = { (transposition: Transposition) in transposition == .none ? "N" : "T" }
      return "\(m)x\(n)x\(k) \(letter(transposeA))\(letter(transposeB))"
    }
  }

  /// The products of one shape: how many ran and their wall seconds together.
  public struct Total: Sendable {
    public internal(set) var calls = 0
    public internal(set) var seconds = 0.0
  }

  private let totals = Mutex<[Shape: Total]>([:])

  /// A timer with nothing recorded.
  public init() {}

  /// What has been recorded so far, by shape.
  public var totalsByShape: [Shape: Total] { totals.withLock { $0 } }

  /// Adds one product of `shape` that took `seconds`.
  func add(_ shape: Shape, seconds: Double) {
    totals.withLock { totals in
      totals[shape, default: Total()].calls += 1
      totals[shape, default: Total()].seconds += seconds
    }
  }

  /// Runs `body`, adding its wall time to `shape` when a timer is bound.
  @inline(__always)
  static func timing(_ shape: @autoclosure () -> Shape, _ body: () -> Void) {
    guard let timer = current else { return body() }
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    timer.add(shape(), seconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
  }

  /// The timer the products add to, if any.
  @TaskLocal public static var current: ProductTimer?
}
