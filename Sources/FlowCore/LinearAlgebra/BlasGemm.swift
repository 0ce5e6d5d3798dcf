import COpenBLAS
import Synchronization

/// The OpenBLAS backend of ``Gemm``.
enum BlasGemm {
  /// The thread count last given to OpenBLAS (−1: none yet). OpenBLAS's setting is process-wide.
  private static let configuredThreads = Atomic<Int>(-1)

  /// Tells OpenBLAS the caller's ``Parallelism/threadCount`` when it changed since the last call.
  static func synchronizeThreadCount() {
    let wanted = Parallelism.threadCount
    if configuredThreads.exchange(wanted, ordering: .sequentiallyConsistent) != wanted {
      openblas_set_num_threads(Int32(wanted))
    }
  }

  static func multiply(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    synchronizeThreadCount()
    if beta == 0 {
      // OpenBLAS reads C even when β = 0 in some kernels; clear it so garbage (NaN) cannot leak.
      for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) }
    }
    cblas_sgemm(
      CblasRowMajor,
      a.transposition == .none ? CblasNoTrans : CblasTrans,
      b.transposition == .none ? CblasNoTrans : CblasTrans,
      Int32(m), Int32(n), Int32(k), alpha,
      a.pointer, Int32(a.leadingDimension),
      b.pointer, Int32(b.leadingDimension),
      beta, c, Int32(ldc))
  }
}
