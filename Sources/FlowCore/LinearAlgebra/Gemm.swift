/// Whether a matrix operand of ``Gemm`` is used as stored or transposed.
public enum Transposition: Sendable {
  /// op(A) = A.
  case none
  /// op(A) = Aᵀ.
  case transposed
}

/// Which implementation computes a matrix product.
public enum GemmBackend: String, Sendable, CaseIterable {
  /// This package's blocked AVX2/FMA kernel (``SimdGemm``).
  case simd
  /// OpenBLAS `cblas_sgemm`, each product whole on one thread (``BlasGemm``). It sums in
  /// another order than ``simd``, so the two give different bits.
  case openBLAS = "openblas"

  /// What computes the products, for a run's manifest: the package's kernel, or OpenBLAS's
  /// version, build configuration and the core it chose for this CPU (its bits may depend on
  /// them, so a run resumed where they differ may not continue bit for bit).
  public var libraryDescription: String {
    switch self {
    case .simd: "LipFlow SimdGemm (AVX2 + FMA)"
    case .openBLAS: BlasGemm.libraryDescription
    }
  }
}

/// Row-major single-precision matrix products C = α·op(A)·op(B) + β·C, counted by
/// ``FlopCounter`` when one is bound.
///
/// Operand shapes: op(A) is `[m, k]`, op(B) is `[k, n]`, C is `[m, n]`. A matrix stored as
/// `[rows, leadingDimension]` row-major is passed with its leading dimension (the distance
/// between rows).
public enum Gemm {
  /// The backend of products that name none: a task-local value, ``GemmBackend/simd`` unless
  /// bound (a run binds its spec's `training.gemm` around training and evaluation). Whichever
  /// it is, results do not depend on the thread count: ``GemmBackend/simd`` splits rows or
  /// columns of C among threads, never the sum over k, and ``GemmBackend/openBLAS`` computes
  /// each product whole on one thread. Work dispatched to worker threads sees the default, as
  /// with ``Parallelism/threadCount``: products are issued by the task that binds it (kernels
  /// split them among workers afterwards), never from inside a worker's task.
  @TaskLocal public static var backend: GemmBackend = .simd

  /// Runs `body` with `backend` computing the products that name none.
  public static func withBackend<Result>(_ backend: GemmBackend, _ body: () throws -> Result) rethrows -> Result {
    try $backend.withValue(backend) { try body() }
  }

  /// Whether C + op(A)·op(B) computed as one product with β = 1 has the same bits as the
  /// product added to C afterwards, for products of depth `depth` by the bound backend: with
  /// ``GemmBackend/simd`` when the depth is one block (each element's sum of products is formed
  /// whole in a register, then added to C once: ``SimdGemm/depthBlock``); deeper blocks would add
  /// C in before the last block, and OpenBLAS adds in its own order.
  public static func accumulatesExactly(depth: Int) -> Bool {
    backend == .simd && depth >= 1 && depth <= SimdGemm.depthBlock
  }

  /// Computes C = α·op(A)·op(B) + β·C. When β = 0, C is not read (it may hold garbage).
  /// With `rowAddend` (n floats, a bias), β multiplies that row in every row of C instead of C's
  /// contents, which are then not read: the bits of copying the row into every row of C first,
  /// without the pass over C (the SIMD kernel adds it where it would have added C).
  /// `backend` overrides the bound ``Gemm/backend`` for this product. `blocking` overrides the SIMD kernel's
  /// cache blocking (default: sized to this machine's caches); it never changes the result.
  public static func multiply(
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, transposeA: Transposition = .none,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Transposition = .none,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int, rowAddend: UnsafePointer<Float>? = nil,
    backend: GemmBackend? = nil, blocking: GemmBlocking? = nil
  ) {
    multiply(
      m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
      beta: beta, c: c, ldc: ldc, rowAddend: rowAddend, backend: backend, blocking: blocking, packedB: nil)
  }

  /// ``multiply(m:n:k:alpha:a:lda:transposeA:b:ldb:transposeB:beta:c:ldc:rowAddend:backend:blocking:)``
  /// with op(B) already packed (`packedB`, of these k and n, ignored by OpenBLAS).
  static func multiply(
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, transposeA: Transposition = .none,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Transposition = .none,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int, rowAddend: UnsafePointer<Float>? = nil,
    matrixAddend: Addend? = nil, backend: GemmBackend? = nil, blocking: GemmBlocking? = nil, packedB: PackedPanels?
  ) {
    precondition(rowAddend == nil || matrixAddend == nil, "A product adds a row or a matrix, not both")
    precondition(m >= 0 && n >= 0 && k >= 0, "Negative GEMM size m=\(m) n=\(n) k=\(k)")
    if m == 0 || n == 0 { return }
    FlopCounter.current?.add(2 * m * n * k)
    let matrixA = MatrixOperand(pointer: a, leadingDimension: lda, transposition: transposeA)
    let matrixB = MatrixOperand(pointer: b, leadingDimension: ldb, transposition: transposeB)
    // What β multiplies when it is not C itself: a bias row (row stride 0) or another matrix.
    let separateAddend = matrixAddend ?? rowAddend.map { Addend(pointer: $0, rowStride: 0) }
    ProductTimer.timing(ProductTimer.Shape(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)) {
      switch backend ?? Gemm.backend {
      case .simd:
        let addend = separateAddend ?? Addend(pointer: c, rowStride: ldc)
        if let packedB {
          precondition(packedB.key.depth == k && packedB.key.columns == n, "Packed panels of [\(packedB.key.depth), \(packedB.key.columns)] for a product of depth \(k) and \(n) columns")
        }
        SimdGemm.multiply(
          m: m, n: n, k: k, alpha: alpha, a: matrixA, b: matrixB, beta: beta, c: c, ldc: ldc, addend: addend,
          packed: packedB.map { PackedOperand(panels: $0, column: 0) }, blocking: blocking)
      case .openBLAS:
        if let separateAddend, beta != 0 {
          for row in 0..<m { (c + row * ldc).update(from: separateAddend.pointer + row * separateAddend.rowStride, count: n) }
        }
        BlasGemm.multiply(m: m, n: n, k: k, alpha: alpha, a: matrixA, b: matrixB, beta: beta, c: c, ldc: ldc)
      }
    }
  }
}

/// What β multiplies in C = α·op(A)·op(B) + β·S: C's own contents (row stride ldc), one row
/// added to every row of C (row stride 0, a bias), or another matrix.
struct Addend {
  let pointer: UnsafePointer<Float>
  let rowStride: Int

  /// S from row `row` and column `column` on.
  @inline(__always) func offset(rows row: Int, columns column: Int) -> Addend {
    Addend(pointer: pointer + row * rowStride + column, rowStride: rowStride)
  }

  /// S[row, column].
  @inline(__always) subscript(row: Int, column: Int) -> Float { pointer[row * rowStride + column] }
}

/// A read-only matrix operand: pointer, leading dimension and whether it is used transposed.
@usableFromInline
struct MatrixOperand {
  @usableFromInline let pointer: UnsafePointer<Float>
  @usableFromInline let leadingDimension: Int
  @usableFromInline let transposition: Transposition

  /// The distance between op(M)[l, p] and op(M)[l, p + 1].
  @inline(__always) var depthStride: Int { transposition == .none ? 1 : leadingDimension }

  /// Where row `row` of op(M) starts, op(M)[row, p] being at `rowStart(row) + p·depthStride`.
  /// Rows at or past `rows` repeat the last row, so a micro-kernel reads a whole tile without
  /// branches and discards what it computed for them.
  @inline(__always) func rowStart(_ row: Int, rows: Int) -> UnsafePointer<Float> {
    pointer + min(row, rows - 1) * (transposition == .none ? leadingDimension : 1)
  }

  /// The operand restricted to rows `rowOffset...` and columns `columnOffset...` of op(M).
  @inline(__always)
  func offset(rows rowOffset: Int, columns columnOffset: Int) -> MatrixOperand {
    switch transposition {
    case .none:
      return MatrixOperand(
        pointer: pointer + rowOffset * leadingDimension + columnOffset,
        leadingDimension: leadingDimension, transposition: .none)
    case .transposed:
      return MatrixOperand(
        pointer: pointer + columnOffset * leadingDimension + rowOffset,
        leadingDimension: leadingDimension, transposition: .transposed)
    }
  }
}
