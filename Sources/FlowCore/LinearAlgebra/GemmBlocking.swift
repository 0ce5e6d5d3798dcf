import Foundation

/// The row and column blocks of the SIMD matrix product (``GemmBackend/simd``), sized to a
/// machine's caches. Only the depth blocks decide the order of the sums, so every blocking gives
/// bit-identical products; the blocking decides only how often data comes from L1, L2 or memory.
///
/// For depth blocks of `depth`: a row block holds the rows of op(A) that fit in L1
/// (`rowBlock · depth · 4` bytes, a multiple of the 6-row tile, 24 to 120 rows), so they are read
/// from L1 while every 16-column panel of packed B passes over them; a column block is as much
/// packed B as fits in half of L2 (`columnBlock · depth · 4` bytes, a multiple of the 16-column
/// tile). Measured on a Zen 4 core (32 KB L1d, 1 MB L2), interleaved, best of three: the toy
/// products (500×128×128) run at the same rate with 12 to 120 rows; the 3×3 convolution's
/// (2048×64×576 per im2col chunk) at 58.5 GFLOP/s with 72 rows, 62.3 with 36, 52.6 with 12.
public struct GemmBlocking: Sendable, Equatable {
  /// Rows of C per block, a multiple of 6.
  public let rowBlock: Int
  /// Columns of C per block (and of packed B), a multiple of 16.
  public let columnBlock: Int

  /// A blocking given directly (tests): sizes are rounded up to whole tiles.
  public init(rowBlock: Int, columnBlock: Int) {
    self.rowBlock = max(1, (rowBlock + 5) / 6) * 6
    self.columnBlock = max(1, (columnBlock + 15) / 16) * 16
  }

  /// `LIPFLOW_GEMM_BLOCKING=<rows>,<columns>` from the environment, if set: a fixed blocking for
  /// comparing blockings on one machine (results are the same whatever it says).
  public static let environmentOverride: GemmBlocking? = {
    guard let text = ProcessInfo.processInfo.environment["LIPFLOW_GEMM_BLOCKING"] else { return nil }
    let parts = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else { return nil }
    return GemmBlocking(rowBlock: parts[0], columnBlock: parts[1])
  }()

  /// The blocking for `cacheSizes` and depth blocks of `depth` elements.
  public init(cacheSizes: CacheSizes, depth: Int) {
    let bytesPerRow = 4 * max(depth, 1)
    let rows = cacheSizes.levelOneData / bytesPerRow / 6 * 6
    let columns = cacheSizes.levelTwo / 2 / bytesPerRow / 16 * 16
    self.init(rowBlock: min(max(rows, 24), 120), columnBlock: min(max(columns, 64), 4096))
  }
}
