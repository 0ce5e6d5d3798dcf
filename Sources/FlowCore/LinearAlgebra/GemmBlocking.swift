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

  /// The blocking for `cacheSizes`, depth blocks of `depth` elements and rows of C
  /// `destinationRowStride` floats apart (0, the default, counts as whole lines).
  ///
  /// When that stride is not a whole number of 64-byte lines (16 floats), every 16-column row of a
  /// tile straddles two lines of C that the neighbouring panel completes. With a row block sized
  /// to fill L1 with A, the half-written lines leave L1 before the next panel comes back to them,
  /// and a fresh C pays for each of them twice. Shallow products then take one tile of rows per
  /// block: each band of C is finished panel after panel while its lines are still in L1, at the
  /// price of reading every B panel (`depth` lines) from L2 once per band instead of once per
  /// block, which pays only while the depth is small. Measured with a per-call timer in one-thread
  /// training steps: the toy i-DenseNet's [500, 90]·[90, 182] from 77-78 to 89-90 GFLOP/s and
  /// [500, 2]·[2, 362] from 6.0 to 8.0, while [500, 90]·[90, 272] (rows whole lines) fell from
  /// 100-101 to 96 with one tile; the MNIST i-DenseNet's products of depth 189 to 414 with 21 or
  /// 22 columns fell by 4-11 %.
  public init(cacheSizes: CacheSizes, depth: Int, destinationRowStride: Int = 0) {
    let bytesPerRow = 4 * max(depth, 1)
    let rows = cacheSizes.levelOneData / bytesPerRow / 6 * 6
    let columns = cacheSizes.levelTwo / 2 / bytesPerRow / 16 * 16
    let oneTileBands = destinationRowStride % 16 != 0 && depth <= GemmBlocking.deepestOneTileBand
    self.init(rowBlock: oneTileBands ? 6 : min(max(rows, 24), 120), columnBlock: min(max(columns, 64), 4096))
  }

  /// The deepest product whose row blocks are single tiles when rows of C are not whole lines.
  static let deepestOneTileBand = 128
}
