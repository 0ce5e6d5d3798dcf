extension SimdGemm {
  /// C = α·A·op(B) + β·S for A stored untransposed and n ≤ 2 (power iteration's Wv, the output
  /// layer of a two-dimensional flow, [500, 128]·[128, 2]): eight rows of C need one element from
  /// each of eight rows of A, so 8 × 8 squares of A (8 rows, 8 depths) are loaded with 8 vector
  /// loads and transposed in registers (``Vector8Square/transposed()``), each row of the
  /// transpose then feeding n multiply-adds, where
  /// ``narrowKernel(depth:a:b:c:ldc:addend:rows:columns:alpha:beta:scratch:)`` broadcasts every
  /// element of A and spends 8 lanes on n columns. The last depth % 8 of each depth block gather
  /// eight rows element by element.
  ///
  /// Same bits as ``serial``: every element sums its products over each depth block of
  /// ``depthBlock`` in increasing depth with fused multiply-adds from zero and is written as the
  /// other kernels write (``NarrowTarget/write(_:rows:lanes:column:alpha:beta:firstBlock:)``).
  static func untransposedNarrowProduct(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    target: NarrowTarget
  ) {
    precondition(a.transposition == .none && n >= 1 && n <= narrowProductExtent && k >= 1, "Not an untransposed narrow product")
    // The column count as a constant in each specialised copy of the loops (a value, tested
    // per multiply-add, was not hoisted).
    switch n {
    case 1: untransposedNarrowProduct(OneColumn.self, m: m, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target)
    default: untransposedNarrowProduct(TwoColumns.self, m: m, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target)
    }
  }

  /// ``untransposedNarrowProduct(m:n:k:alpha:a:b:beta:target:)`` for n = `Count.value`.
  static func untransposedNarrowProduct<Count: NarrowColumnCount>(
    _: Count.Type, m: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float, target: NarrowTarget
  ) {
    let n = Count.value
    let (alphaVector, lda) = (Vector8(repeating: alpha), a.leadingDimension)
    // 32 rows at a time for one column (four independent chains of multiply-adds), 16 for two
    // (their four accumulators, a square and the broadcasts fill the 16 vector registers).
    let strip = n == 1 ? 32 : 16
    for rowStart in stride(from: 0, to: m, by: strip) {
      @inline(__always) func lanes(_ group: Int) -> Int { min(8, max(0, m - rowStart - 8 * group)) }
      let groups = min(strip / 8, (m - rowStart + 7) / 8)
      for depthStart in stride(from: 0, to: k, by: depthBlock) {
        let depthEnd = min(k, depthStart + depthBlock)
        var (first0, first1, first2, first3) = (Vector8(), Vector8(), Vector8(), Vector8())
        var (second0, second1, second2, second3) = (Vector8(), Vector8(), Vector8(), Vector8())
        // Each group's first row and row count, and op(B)'s two columns as pointer and depth stride.
        let starts = (a.pointer + rowStart * lda, a.pointer + (rowStart + 8) * lda, a.pointer + (rowStart + 16) * lda, a.pointer + (rowStart + 24) * lda)
        let columns = NarrowColumns(b)
        var depth = depthStart
        while depth + 8 <= depthEnd {
          addProducts(of: Vector8Square(loading: starts.0 + depth, rowStride: lda, rows: lanes(0)).transposed(), columns, depth, n, &first0, &second0)
          if groups > 1 { addProducts(of: Vector8Square(loading: starts.1 + depth, rowStride: lda, rows: lanes(1)).transposed(), columns, depth, n, &first1, &second1) }
          if groups > 2 { addProducts(of: Vector8Square(loading: starts.2 + depth, rowStride: lda, rows: lanes(2)).transposed(), columns, depth, n, &first2, &second2) }
          if groups > 3 { addProducts(of: Vector8Square(loading: starts.3 + depth, rowStride: lda, rows: lanes(3)).transposed(), columns, depth, n, &first3, &second3) }
          depth += 8
        }
        while depth < depthEnd {
          addProducts(of: gathered(starts.0 + depth, lda, lanes(0)), columns, depth, n, &first0, &second0)
          if groups > 1 { addProducts(of: gathered(starts.1 + depth, lda, lanes(1)), columns, depth, n, &first1, &second1) }
          if groups > 2 { addProducts(of: gathered(starts.2 + depth, lda, lanes(2)), columns, depth, n, &first2, &second2) }
          if groups > 3 { addProducts(of: gathered(starts.3 + depth, lda, lanes(3)), columns, depth, n, &first3, &second3) }
          depth += 1
        }
        let (blockBeta, firstBlock) = depthStart == 0 ? (beta, true) : (1, false)
        @inline(__always) func write(_ column: Int, _ group: Int, _ sum: Vector8) {
          guard group < groups else { return }
          target.write(sum, rows: rowStart + 8 * group, lanes: lanes(group), column: column, alpha: alphaVector, beta: blockBeta, firstBlock: firstBlock)
        }
        write(0, 0, first0); write(0, 1, first1); write(0, 2, first2); write(0, 3, first3)
        if n == 2 { write(1, 0, second0); write(1, 1, second1); write(1, 2, second2); write(1, 3, second3) }
      }
    }
  }

  /// Elements `0, stride, 2·stride, …` of `start` in eight lanes; lanes past `count` repeat the last one.
  @inline(__always)
  static func gathered(_ start: UnsafePointer<Float>, _ stride: Int, _ count: Int) -> Vector8 {
    var values = Vector8()
    for lane in 0..<8 { values[lane] = start[min(lane, count - 1) &* stride] }
    return values
  }

  /// Adds to the accumulators of columns 0 and 1 (`second` only when `count` is 2) the products
  /// of the rows of `columnsOfA` (eight rows of A in the lanes, one depth per row of the square,
  /// from `depth` on) with row `depth + i` of op(B), in increasing depth.
  @inline(__always)
  static func addProducts(
    of columnsOfA: Vector8Square, _ columns: NarrowColumns, _ depth: Int, _ count: Int, _ first: inout Vector8, _ second: inout Vector8
  ) {
    let rows = columnsOfA.rows
    addProducts(of: rows.0, columns, depth, count, &first, &second)
    addProducts(of: rows.1, columns, depth &+ 1, count, &first, &second)
    addProducts(of: rows.2, columns, depth &+ 2, count, &first, &second)
    addProducts(of: rows.3, columns, depth &+ 3, count, &first, &second)
    addProducts(of: rows.4, columns, depth &+ 4, count, &first, &second)
    addProducts(of: rows.5, columns, depth &+ 5, count, &first, &second)
    addProducts(of: rows.6, columns, depth &+ 6, count, &first, &second)
    addProducts(of: rows.7, columns, depth &+ 7, count, &first, &second)
  }

  /// The same for one depth: eight rows of A at `depth` in the lanes.
  @inline(__always)
  static func addProducts(
    of columnOfA: Vector8, _ columns: NarrowColumns, _ depth: Int, _ count: Int, _ first: inout Vector8, _ second: inout Vector8
  ) {
    let offset = depth &* columns.depthStride
    first = first.addingProduct(columnOfA, Vector8(repeating: columns.first[offset]))
    if count == 2 { second = second.addingProduct(columnOfA, Vector8(repeating: columns.second[offset])) }
  }
}

/// A column count of ``SimdGemm/untransposedNarrowProduct(m:n:k:alpha:a:b:beta:target:)`` fixed at
/// compile time: each gets its own specialised loop.
protocol NarrowColumnCount { static var value: Int { get } }
enum OneColumn: NarrowColumnCount { static var value: Int { 1 } }
enum TwoColumns: NarrowColumnCount { static var value: Int { 2 } }
