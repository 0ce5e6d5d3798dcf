extension SimdGemm {
  /// C = α·A·op(B) + β·S for A stored untransposed and n ≤ 2 (power iteration's Wv, the output
  /// layer of a two-dimensional flow, [500, 128]·[128, 2]): eight rows of C need one element from
  /// each of eight rows of A. A strip of 32 rows of A is transposed, 128 depths at a time, into a
  /// thread's scratch (8 × 8 squares: 8 vector loads, 24 shuffles, 8 stores,
  /// ``Vector8Square/transposed()``), where each depth's 32 rows are four consecutive vectors,
  /// and the loop of the transposed narrow product runs over it. Transposing in registers and
  /// multiplying at once held a square and its accumulators in the 16 vector registers: two
  /// groups of eight rows, four chains of multiply-adds, spilled to the stack all the same.
  ///
  /// Same bits as ``serial``: every element sums its products over each depth block of
  /// ``depthBlock`` in increasing depth with fused multiply-adds from zero and is written as the
  /// other kernels write (``NarrowTarget/write(_:rows:lanes:column:alpha:beta:firstBlock:)``).
  static func untransposedNarrowProduct(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    target: NarrowTarget
  ) {
    precondition(a.transposition == .none && n >= 1 && n <= narrowProductExtent && k >= 1, "Not an untransposed narrow product")
    ThreadScratch.withBuffer(bytes: transposedStripDepths * StripSums.rows * MemoryLayout<Float>.stride) { raw in
      let scratch = raw.assumingMemoryBound(to: Float.self)
      switch n {
      case 1: untransposedNarrowProduct(OneColumn.self, m: m, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target, scratch: scratch)
      default: untransposedNarrowProduct(TwoColumns.self, m: m, k: k, alpha: alpha, a: a, b: b, beta: beta, target: target, scratch: scratch)
      }
    }
  }

  /// Depths of a strip transposed at a time: 32 rows × 128 depths, 16 KB, half of a 32 KB L1
  /// (64 depths: 32.6 against 34.4 GFLOP/s for [500, 128]·[128, 2] at one thread).
  static let transposedStripDepths = 128

  /// ``untransposedNarrowProduct(m:n:k:alpha:a:b:beta:target:)`` for n = `Count.value`, with
  /// `scratch` for 32 × ``transposedStripDepths`` floats.
  static func untransposedNarrowProduct<Count: NarrowColumnCount>(
    _: Count.Type, m: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float, target: NarrowTarget,
    scratch: UnsafeMutablePointer<Float>
  ) {
    let (alphaVector, lda, columns) = (Vector8(repeating: alpha), a.leadingDimension, NarrowColumns(b))
    for rowStart in stride(from: 0, to: m, by: StripSums.rows) {
      @inline(__always) func lanes(_ group: Int) -> Int { StripSums.lanes(group, rowsLeft: m - rowStart) }
      for depthStart in stride(from: 0, to: k, by: depthBlock) {
        let depthEnd = min(k, depthStart + depthBlock)
        var sums = StripSums()
        for chunkStart in stride(from: depthStart, to: depthEnd, by: transposedStripDepths) {
          let depths = chunkStart..<min(depthEnd, chunkStart + transposedStripDepths)
          transposeStrip(of: a.pointer + rowStart * lda, lda: lda, lanes: lanes, depths: depths, into: scratch)
          addStripProducts(Count.self, first: scratch, lda: StripSums.rows, columns: columns, depths: depths, to: &sums)
        }
        sums.write(Count.self, to: target, rowStart: rowStart, lanes: lanes, alpha: alphaVector, beta: beta, firstBlock: depthStart == 0)
      }
    }
  }

  /// Writes columns `depths` of the 32 rows from `rows` on (row stride `lda`; `lanes(g)` rows in
  /// group g, 0 past the end) as `depths.count` rows of 32 floats at `scratch`: depth d's row at
  /// `scratch + (d − depths.lowerBound)·32`. Lanes past a group's rows repeat its last row or are
  /// zero; their sums are never written.
  @inline(__always)
  static func transposeStrip(
    of rows: UnsafePointer<Float>, lda: Int, lanes: (Int) -> Int, depths: Range<Int>, into scratch: UnsafeMutablePointer<Float>
  ) {
    let width = StripSums.rows
    for group in 0..<StripSums.groups {
      let (count, groupRows, groupScratch) = (lanes(group), rows + 8 * group * lda, scratch + 8 * group)
      var depth = depths.lowerBound
      guard count > 0 else {
        for offset in 0..<depths.count { store8(Vector8(), groupScratch, offset * width, 8) }
        continue
      }
      while depth + 8 <= depths.upperBound {
        Vector8Square(loading: groupRows + depth, rowStride: lda, rows: count).transposed()
          .store(to: groupScratch + (depth - depths.lowerBound) * width, rowStride: width)
        depth += 8
      }
      while depth < depths.upperBound {
        store8(gathered(groupRows + depth, lda, count), groupScratch, (depth - depths.lowerBound) * width, 8)
        depth += 1
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
}

/// A column count of the narrow products (``SimdGemm/untransposedNarrowProduct(m:n:k:alpha:a:b:beta:target:)``,
/// ``SimdGemm/transposedNarrowProduct(m:n:k:alpha:a:b:beta:target:)``) fixed at compile time:
/// each gets its own specialised loop.
protocol NarrowColumnCount { static var value: Int { get } }
enum OneColumn: NarrowColumnCount { static var value: Int { 1 } }
enum TwoColumns: NarrowColumnCount { static var value: Int { 2 } }
