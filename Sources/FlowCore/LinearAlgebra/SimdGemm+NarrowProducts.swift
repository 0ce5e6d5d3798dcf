extension SimdGemm {
  /// The most columns (or rows) of a narrow product.
  static let narrowProductExtent = 2

  /// C = α·op(A)·op(B) + β·S by a narrow kernel when n ≤ 2, or when m ≤ 2 as
  /// Cᵀ = op(B)ᵀ·op(A)ᵀ (the weight gradient gᵀ·h of a two-dimensional output layer: 2 rows, up
  /// to 362 columns, where the 6 × 16 kernel would spend two thirds of its rows and pack all of
  /// h): its products are the same (a·b = b·a), in the same order, hence the same bits. Returns
  /// false, doing nothing, for other shapes.
  static func narrowProduct(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int, addend: Addend
  ) -> Bool {
    let target = NarrowTarget(c: c, ldc: ldc, addend: addend)
    if n <= narrowProductExtent {
      columnsProduct(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target)
    } else if m <= narrowProductExtent {
      columnsProduct(m: n, n: m, k: k, alpha: alpha, a: b.transposedOperand, b: a.transposedOperand, beta: beta, target: target.transposed)
    } else {
      return false
    }
    return true
  }

  /// A product with n ≤ 2 by the kernel for A's layout.
  static func columnsProduct(m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float, target: NarrowTarget) {
    switch a.transposition {
    case .transposed: transposedNarrowProduct(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target)
    case .none: untransposedNarrowProduct(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target)
    }
  }

  /// The first two columns of op(B): where each starts and the distance between depths.
  struct NarrowColumns {
    let first: UnsafePointer<Float>
    let second: UnsafePointer<Float>
    let depthStride: Int

    @inline(__always) init(_ b: MatrixOperand) {
      // op(B)[p, j] is b[p·ldb + j] untransposed, b[j·ldb + p] transposed.
      let (columnStride, depthStride) = b.transposition == .none ? (1, b.leadingDimension) : (b.leadingDimension, 1)
      (first, second, self.depthStride) = (b.pointer, b.pointer + columnStride, depthStride)
    }
  }

  /// C = α·op(A)·op(B) + β·S for op(A) = Aᵀ and n ≤ 2 (the adjoint step of power iteration,
  /// Ŵᵀu, and the weight gradient gᵀx of a two-dimensional input layer): eight rows of C are
  /// eight consecutive floats of a row of A, so one vector load feeds n multiply-adds, where
  /// ``narrowKernel(depth:a:b:c:ldc:addend:rows:columns:alpha:beta:scratch:)`` broadcasts every
  /// element of A and spends 8 lanes on n columns.
  ///
  /// Same bits as ``serial``: every element sums its products over each depth block of
  /// ``depthBlock`` in increasing depth with fused multiply-adds from zero, then is written as
  /// α·sum + β·S (first block) or α·sum + C (later blocks), one fused operation, as the other
  /// kernels do; only the lanes hold rows instead of columns.
  static func transposedNarrowProduct(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    target: NarrowTarget
  ) {
    precondition(a.transposition == .transposed && n >= 1 && n <= narrowProductExtent && k >= 1, "Not a transposed narrow product")
    switch n {
    case 1: transposedNarrowProduct(OneColumn.self, m: m, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target)
    default: transposedNarrowProduct(TwoColumns.self, m: m, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target)
    }
  }

  /// ``transposedNarrowProduct(m:n:k:alpha:a:b:beta:target:)`` for n = `Count.value`, a constant in
  /// each specialised copy of the loops (as a value it was tested at every multiply-add).
  static func transposedNarrowProduct<Count: NarrowColumnCount>(
    _: Count.Type, m: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float, target: NarrowTarget
  ) {
    let (alphaVector, lda, columns) = (Vector8(repeating: alpha), a.leadingDimension, NarrowColumns(b))
    let strip = StripSums.rows
    for rowStart in stride(from: 0, to: m, by: strip) {
      @inline(__always) func lanes(_ group: Int) -> Int { StripSums.lanes(group, rowsLeft: m - rowStart) }
      for depthStart in stride(from: 0, to: k, by: depthBlock) {
        let depthEnd = min(k, depthStart + depthBlock)
        let first = a.pointer + depthStart * lda + rowStart
        let sums = m - rowStart >= strip
          ? fullStripSums(Count.self, first: first, lda: lda, columns: columns, depths: depthStart..<depthEnd)
          : partialStripSums(Count.self, first: first, lda: lda, columns: columns, depths: depthStart..<depthEnd, lanes: lanes)
        sums.write(Count.self, to: target, rowStart: rowStart, lanes: lanes, alpha: alphaVector, beta: beta, firstBlock: depthStart == 0)
      }
    }
  }

  /// The sums of a strip of 32 rows of C over a depth range: four vectors of eight rows for
  /// column 0 (`first`) and, with two columns, for column 1 (`second`).
  struct StripSums {
    typealias Vectors = (Vector8, Vector8, Vector8, Vector8)
    var first: Vectors = (Vector8(), Vector8(), Vector8(), Vector8())
    var second: Vectors = (Vector8(), Vector8(), Vector8(), Vector8())

    /// Vectors of eight rows per strip: four independent chains of multiply-adds per column (one
    /// chain waited out the 4-cycle latency of every multiply-add). Six (48 rows) spilled two
    /// columns' twelve accumulators to the stack; eight for one column measured no faster.
    static let groups = 4
    /// Rows of C per strip.
    static let rows = 8 * groups

    /// Adds the products of one depth: `row(g)` holds eight rows of A (rows of C) in the lanes,
    /// `left` and `right` the depth's elements of op(B)'s two columns.
    @inline(__always)
    mutating func add<Count: NarrowColumnCount>(_: Count.Type, row: (Int) -> Vector8, left: Float, right: @autoclosure () -> Float) {
      let leftVector = Vector8(repeating: left)
      let rightVector = Count.value == 2 ? Vector8(repeating: right()) : Vector8()
      @inline(__always) func add(_ group: Int, _ first: inout Vector8, _ second: inout Vector8) {
        let values = row(group)
        first = first.addingProduct(values, leftVector)
        if Count.value == 2 { second = second.addingProduct(values, rightVector) }
      }
      add(0, &first.0, &second.0); add(1, &first.1, &second.1); add(2, &first.2, &second.2); add(3, &first.3, &second.3)
    }

    /// How many rows (0...8) group `group` holds in a strip with `rowsLeft` rows of C from its first on.
    @inline(__always)
    static func lanes(_ group: Int, rowsLeft: Int) -> Int { min(8, max(0, rowsLeft - 8 * group)) }

    /// Writes the sums of the strip from row `rowStart` on, `lanes(g)` rows of group g, as every
    /// kernel writes (``NarrowTarget/write(_:rows:lanes:column:alpha:beta:firstBlock:)``): with β
    /// and S in the first depth block, adding to C (β = 1) in later ones.
    @inline(__always)
    func write<Count: NarrowColumnCount>(
      _: Count.Type, to target: NarrowTarget, rowStart: Int, lanes: (Int) -> Int, alpha: Vector8, beta: Float, firstBlock: Bool
    ) {
      let blockBeta = firstBlock ? beta : 1
      @inline(__always) func write(_ group: Int, _ first: Vector8, _ second: Vector8) {
        guard lanes(group) > 0 else { return }
        let rows = rowStart + 8 * group
        target.write(first, rows: rows, lanes: lanes(group), column: 0, alpha: alpha, beta: blockBeta, firstBlock: firstBlock)
        if Count.value == 2 { target.write(second, rows: rows, lanes: lanes(group), column: 1, alpha: alpha, beta: blockBeta, firstBlock: firstBlock) }
      }
      write(0, first.0, second.0); write(1, first.1, second.1); write(2, first.2, second.2); write(3, first.3, second.3)
    }
  }

  /// A strip of 32 whole rows: plain vector loads and pointers that step by their strides (the loop
  /// with a lane count per load compiled to branches and reloads around every multiply-add).
  @inline(__always)
  static func fullStripSums<Count: NarrowColumnCount>(
    _: Count.Type, first: UnsafePointer<Float>, lda: Int, columns: NarrowColumns, depths: Range<Int>
  ) -> StripSums {
    var sums = StripSums()
    addStripProducts(Count.self, first: first, lda: lda, columns: columns, depths: depths, to: &sums)
    return sums
  }

  /// Adds to `sums` the products of `depths`, in increasing depth: the row of A at each depth is
  /// 32 floats (four vectors) from `first`, one row every `lda` floats.
  @inline(__always)
  static func addStripProducts<Count: NarrowColumnCount>(
    _: Count.Type, first: UnsafePointer<Float>, lda: Int, columns: NarrowColumns, depths: Range<Int>, to sums: inout StripSums
  ) {
    var (row, left, right) = (first, columns.first + depths.lowerBound &* columns.depthStride, columns.second + depths.lowerBound &* columns.depthStride)
    for _ in depths {
      let raw = UnsafeRawPointer(row)
      sums.add(Count.self, row: { raw.loadUnaligned(fromByteOffset: 32 &* $0, as: Vector8.self) }, left: left.pointee, right: right.pointee)
      row += lda; left += columns.depthStride; right += columns.depthStride
    }
  }

  /// The last strip, of fewer than 32 rows (`lanes(g)` in group g, 0 past the end).
  @inline(__always)
  static func partialStripSums<Count: NarrowColumnCount>(
    _: Count.Type, first: UnsafePointer<Float>, lda: Int, columns: NarrowColumns, depths: Range<Int>, lanes: (Int) -> Int
  ) -> StripSums {
    var sums = StripSums()
    var row = first
    for depth in depths {
      let current = row
      sums.add(Count.self, row: { load8(current, 8 &* $0, lanes($0)) }, left: columns.first[depth &* columns.depthStride], right: columns.second[depth &* columns.depthStride])
      row += lda
    }
    return sums
  }
}

extension MatrixOperand {
  /// The same memory read as op(M)ᵀ.
  var transposedOperand: MatrixOperand {
    MatrixOperand(pointer: pointer, leadingDimension: leadingDimension, transposition: transposition == .none ? .transposed : .none)
  }

}
