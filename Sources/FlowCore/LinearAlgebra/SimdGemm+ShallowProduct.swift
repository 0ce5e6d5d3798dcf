extension SimdGemm {
  /// The deepest product ``shallowProduct(m:n:k:alpha:a:b:beta:c:ldc:addend:packed:)`` computes.
  static let shallowDepth = 4

  /// C = α·op(A)·op(B) + β·S for a depth k ≤ ``shallowDepth``, one row of C after another, four
  /// at a time at depth 2 (the vector-Jacobian product [500, 2]·[2, 362] of the i-DenseNet's
  /// output layer, the toy input layers, the MNIST i-DenseNet's [50176, 1]·[1, 64] and
  /// [12544, 4]·[4, 67]): each row is written from start to end while op(B), at most 4 × n
  /// floats, stays in L1. The 6 × 16 micro-kernel spends more on setting up and storing a tile
  /// than on its 2k multiply-adds, and walks C panel by panel.
  ///
  /// Same bits as ``kernel(depth:a:b:c:ldc:addend:rows:columns:alpha:beta:scratch:)``: each element
  /// sums its k products in increasing depth with fused multiply-adds from zero, over the same
  /// packed panels, and is written as α·sum or α·sum + β·S in one fused operation.
  static func shallowProduct(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int, addend: Addend, packed: PackedOperand?
  ) {
    precondition(k >= 1 && k <= shallowDepth, "Not a shallow product: depth \(k)")
    let paddedColumns = (n + columnTile - 1) / columnTile * columnTile
    let packedCount = packed == nil ? paddedColumns * k : 0
    ThreadScratch.withBuffer(bytes: (packedCount + columnTile) * 4) { buffer in
      let floats = buffer.bindMemory(to: Float.self, capacity: packedCount + columnTile)
      let panels: UnsafePointer<Float>
      if let packed {
        panels = packed.panels(depthStart: 0, column: 0)
      } else {
        packB(b, depth: k, columns: n, into: floats)
        panels = UnsafePointer(floats)
      }
      let scratch = floats + packedCount
      var row = 0
      if k == 2 {
        // Four rows at a time over whole groups of 8 columns, then each row's last few columns.
        let wholeColumns = n / 8 * 8
        while row + 4 <= m {
          shallowFourRowsOfDepthTwo(
            columns: wholeColumns, alpha: alpha, a: a, firstRow: row, rows: m, panels: panels, beta: beta,
            c: c + row * ldc, ldc: ldc, addend: addend.offset(rows: row, columns: 0))
          for tailRow in row..<(row + 4) where wholeColumns < n {
            shallowTailOfDepthTwo(
              columns: wholeColumns..<n, alpha: alpha, a: a.rowStart(tailRow, rows: m), depthStride: a.depthStride, panels: panels,
              beta: beta, c: c + tailRow * ldc, addend: addend.offset(rows: tailRow, columns: 0))
          }
          row += 4
        }
      }
      while row < m {
        shallowRow(
          n: n, k: k, alpha: alpha, a: a.rowStart(row, rows: m), depthStride: a.depthStride, panels: panels, beta: beta,
          c: c + row * ldc, addend: addend.offset(rows: row, columns: 0), scratch: scratch)
        row += 1
      }
    }
  }

  /// Four rows of ``shallowProduct(m:n:k:alpha:a:b:beta:c:ldc:addend:packed:)`` of depth 2, over
  /// their first `columns` columns (a multiple of 8): rows `firstRow..<firstRow + 4` of op(A)
  /// into the rows of `c` `ldc` apart. Each load of a panel serves four rows, and four rows'
  /// stores are in flight at once: alone, with C in cache, [500, 2]·[2, 352] took 10.6 µs instead
  /// of 22.7 a row at a time (stores bound both, not arithmetic); inside a training step, where C
  /// comes from memory, the two orders measured the same. Every element is formed as
  /// ``shallowRow(n:k:alpha:a:depthStride:panels:beta:c:addend:scratch:)`` forms it: the same bits.
  static func shallowFourRowsOfDepthTwo(
    columns: Int, alpha: Float, a: MatrixOperand, firstRow: Int, rows: Int, panels: UnsafePointer<Float>, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int, addend: Addend
  ) {
    let (alphaVector, betaVector) = (Vector8(repeating: alpha), Vector8(repeating: beta))
    let (depthStride, r0, r1, r2, r3) = (
      a.depthStride, a.rowStart(firstRow, rows: rows), a.rowStart(firstRow + 1, rows: rows), a.rowStart(firstRow + 2, rows: rows),
      a.rowStart(firstRow + 3, rows: rows)
    )
    let (a00, a01) = (Vector8(repeating: r0[0]), Vector8(repeating: r0[depthStride]))
    let (a10, a11) = (Vector8(repeating: r1[0]), Vector8(repeating: r1[depthStride]))
    let (a20, a21) = (Vector8(repeating: r2[0]), Vector8(repeating: r2[depthStride]))
    let (a30, a31) = (Vector8(repeating: r3[0]), Vector8(repeating: r3[depthStride]))
    let (c0, c1, c2, c3) = (
      UnsafeMutableRawPointer(c), UnsafeMutableRawPointer(c + ldc), UnsafeMutableRawPointer(c + 2 * ldc), UnsafeMutableRawPointer(c + 3 * ldc)
    )
    var offset = 0
    while offset < 4 * columns {
      // `offset` counts bytes of C's rows: 4 per column.
      let pb = UnsafeRawPointer(panels) + depthTwoPanelOffset(column: offset >> 2)
      let first = pb.loadUnaligned(as: Vector8.self)
      let second = pb.loadUnaligned(fromByteOffset: 64, as: Vector8.self)
      let s0 = Vector8().addingProduct(a00, first).addingProduct(a01, second) * alphaVector
      let s1 = Vector8().addingProduct(a10, first).addingProduct(a11, second) * alphaVector
      let s2 = Vector8().addingProduct(a20, first).addingProduct(a21, second) * alphaVector
      let s3 = Vector8().addingProduct(a30, first).addingProduct(a31, second) * alphaVector
      if beta == 0 {
        c0.storeBytes(of: s0, toByteOffset: offset, as: Vector8.self)
        c1.storeBytes(of: s1, toByteOffset: offset, as: Vector8.self)
        c2.storeBytes(of: s2, toByteOffset: offset, as: Vector8.self)
        c3.storeBytes(of: s3, toByteOffset: offset, as: Vector8.self)
      } else {
        // S's rows `rowStride` floats apart (0 for a bias row), read before C's are written.
        let (old, stride) = (UnsafeRawPointer(addend.pointer) + offset, 4 * addend.rowStride)
        let (o0, o1) = (old.loadUnaligned(as: Vector8.self), old.loadUnaligned(fromByteOffset: stride, as: Vector8.self))
        let (o2, o3) = (old.loadUnaligned(fromByteOffset: 2 * stride, as: Vector8.self), old.loadUnaligned(fromByteOffset: 3 * stride, as: Vector8.self))
        c0.storeBytes(of: s0.addingProduct(o0, betaVector), toByteOffset: offset, as: Vector8.self)
        c1.storeBytes(of: s1.addingProduct(o1, betaVector), toByteOffset: offset, as: Vector8.self)
        c2.storeBytes(of: s2.addingProduct(o2, betaVector), toByteOffset: offset, as: Vector8.self)
        c3.storeBytes(of: s3.addingProduct(o3, betaVector), toByteOffset: offset, as: Vector8.self)
      }
      offset += 32
    }
  }

  /// Where the packed depth-2 panels hold depth 0 of the 8 columns from `column` (a multiple of
  /// 8), in bytes; depth 1 follows 64 bytes later. A 16-column panel holds its depth-0 row in
  /// floats 0-15 and its depth-1 row in floats 16-31.
  @inline(__always)
  static func depthTwoPanelOffset(column: Int) -> Int {
    8 * column - 4 * (column & 15)
  }

  /// The last `columns` (fewer than 8, from a multiple of 8) of one row of a depth-2
  /// ``shallowProduct(m:n:k:alpha:a:b:beta:c:ldc:addend:packed:)``, after
  /// ``shallowFourRowsOfDepthTwo(columns:alpha:a:firstRow:rows:panels:beta:c:ldc:addend:)``: one
  /// vector of 8 computed (the panel's padding is zero), its first lanes written (with the last
  /// 10 columns of every row through a scratch tile, lane by lane, [500, 2]·[2, 362] took 21 µs
  /// alone instead of 15.5). The same bits.
  @inline(__always)
  static func shallowTailOfDepthTwo(
    columns: Range<Int>, alpha: Float, a: UnsafePointer<Float>, depthStride: Int, panels: UnsafePointer<Float>, beta: Float,
    c: UnsafeMutablePointer<Float>, addend: Addend
  ) {
    let start = columns.lowerBound
    let pb = UnsafeRawPointer(panels) + depthTwoPanelOffset(column: start)
    let sum = Vector8().addingProduct(Vector8(repeating: a[0]), pb.loadUnaligned(as: Vector8.self))
      .addingProduct(Vector8(repeating: a[depthStride]), pb.loadUnaligned(fromByteOffset: 64, as: Vector8.self))
    let scaled = sum * Vector8(repeating: alpha)
    for lane in 0..<columns.count {
      c[start + lane] = beta == 0 ? scaled[lane] : scaled[lane].addingProduct(addend[0, start + lane], beta)
    }
  }

  /// One row of ``shallowProduct(m:n:k:alpha:a:b:beta:c:ldc:addend:packed:)``: op(A)'s row at `a`
  /// (element p at `a[p·depthStride]`) times the packed panels, into `c` (n floats).
  @inline(__always)
  static func shallowRow(
    n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, depthStride: Int, panels: UnsafePointer<Float>, beta: Float,
    c: UnsafeMutablePointer<Float>, addend: Addend, scratch: UnsafeMutablePointer<Float>
  ) {
    let (alphaVector, betaVector) = (Vector8(repeating: alpha), Vector8(repeating: beta))
    // op(A)'s k elements of this row, broadcast once for every panel (unused ones stay zero).
    let a0 = Vector8(repeating: a[0])
    let a1 = k > 1 ? Vector8(repeating: a[depthStride]) : Vector8()
    let a2 = k > 2 ? Vector8(repeating: a[2 * depthStride]) : Vector8()
    let a3 = k > 3 ? Vector8(repeating: a[3 * depthStride]) : Vector8()
    var column = 0
    while column < n {
      let pb = UnsafeRawPointer(panels + column * k)
      @inline(__always) func load(_ depth: Int, _ half: Int) -> Vector8 {
        pb.loadUnaligned(fromByteOffset: 64 * depth + 32 * half, as: Vector8.self)
      }
      var low = Vector8().addingProduct(a0, load(0, 0))
      var high = Vector8().addingProduct(a0, load(0, 1))
      if k > 1 { low = low.addingProduct(a1, load(1, 0)); high = high.addingProduct(a1, load(1, 1)) }
      if k > 2 { low = low.addingProduct(a2, load(2, 0)); high = high.addingProduct(a2, load(2, 1)) }
      if k > 3 { low = low.addingProduct(a3, load(3, 0)); high = high.addingProduct(a3, load(3, 1)) }
      let width = min(columnTile, n - column)
      let target = width == columnTile ? c + column : scratch
      if beta != 0 && width < columnTile {
        for lane in 0..<width { scratch[lane] = addend[0, column + lane] }
      }
      let raw = UnsafeMutableRawPointer(target)
      if beta == 0 {
        raw.storeBytes(of: low * alphaVector, as: Vector8.self)
        raw.storeBytes(of: high * alphaVector, toByteOffset: 32, as: Vector8.self)
      } else {
        let old = width == columnTile ? UnsafeRawPointer(addend.pointer + column) : UnsafeRawPointer(scratch)
        raw.storeBytes(of: (low * alphaVector).addingProduct(old.loadUnaligned(as: Vector8.self), betaVector), as: Vector8.self)
        raw.storeBytes(
          of: (high * alphaVector).addingProduct(old.loadUnaligned(fromByteOffset: 32, as: Vector8.self), betaVector),
          toByteOffset: 32, as: Vector8.self)
      }
      if width < columnTile {
        for lane in 0..<width { c[column + lane] = scratch[lane] }
      }
      column += columnTile
    }
  }
}
