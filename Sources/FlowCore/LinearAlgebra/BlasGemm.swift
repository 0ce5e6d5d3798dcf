import COpenBLAS

/// The OpenBLAS backend of ``Gemm``: every product is one single-threaded `cblas_sgemm` on the
/// calling thread, whatever ``Parallelism/threadCount`` is, so its bits never depend on the
/// thread count (the other kernels of a step still use every thread).
///
/// Products are not split among threads as ``SimdGemm`` splits them: OpenBLAS picks its kernel
/// by the size and shape of a product, so a part of a product can be summed in another order
/// than the whole. Split into parts of whole 48-row or 16-column tiles, 500×2 and 128×1 products
/// changed at 2-4 threads, and so did the small test models' training at 3 and 4 threads.
/// OpenBLAS's own threading may likewise pick other kernels or blocking for another thread
/// count, so it stays at one thread.
///
/// OpenBLAS chooses its kernels for the CPU it runs on (and its version may differ between
/// machines), so its bits are the same for every thread count on one machine, not necessarily
/// on another; the package's own kernel gives the same bits wherever it runs.
enum BlasGemm {
  /// OpenBLAS's process-wide thread count, set to 1 once before the first product.
  private static let singleThreaded: Void = openblas_set_num_threads(1)

  /// OpenBLAS's build configuration (version, architecture choice) and the core it picked for
  /// this CPU, e.g. `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64;
  /// core Cooperlake` (Debian 12's build on this project's Zen 4 VM).
  static var libraryDescription: String {
    let configuration = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS (configuration unknown)"
    let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    return "\(configuration); core \(core)"
  }

  static func multiply(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    _ = singleThreaded
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
