/// The package's own single-precision GEMM: Goto-style blocking with packed B panels and a 6×16
/// register micro-kernel (12 accumulators of 8 lanes, fused multiply-add).
///
/// Blocking: depth blocks of ``depthBlock`` (fixed: it decides the order of every sum), then row
/// and column blocks sized to this machine's caches (``GemmBlocking``): the rows of A a block
/// uses stay in L1 while every 16-column panel of packed B passes over them, and packed B stays in
/// L2. A is not packed: the
/// kernel broadcasts its elements straight from memory through a row and a depth stride, which
/// serves both transpositions; packing A cost more than it saved on the tall im2col matrices,
/// whose elements are each used for only 2·O flops. Each element of C sums its depth blocks in increasing order
/// and every block in the same order, so the result is the same whichever way rows or columns
/// are split among threads.
enum SimdGemm {
  static let rowTile = 6
  /// Rows of the narrow micro-kernel: 8 independent chains of fused multiply-adds keep both FMA
  /// units busy (4 cycles of latency each); 6 left a quarter of their slots empty.
  static let narrowRowTile = 8
  static let columnTile = 16
  static let depthBlock = 256

  /// Splits the product among threads along the longer of m and n, then runs ``serial``.
  static func multiply(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int, addend: Addend, packed: PackedOperand? = nil, blocking requested: GemmBlocking?
  ) {
    let blocking = requested ?? GemmBlocking.environmentOverride ?? GemmBlocking(cacheSizes: .current, depth: min(max(k, 1), depthBlock), destinationRowStride: ldc)
    let threads = Parallelism.threadCount
    // The work the micro-kernels actually do: a tile computes at least 6 rows and 8 columns, so
    // a 500×2 product costs what a 500×8 one does (and splitting it pays as well). Serialising
    // the narrow products below 150 000 multiply-adds and those of depth ≤ 4 was faster for
    // some of them alone but slower in the toy steps (two-thread i-DenseNet+LC 36.3 → 35.0 %,
    // Residual Flow 53.7 → 52.5 %, interleaved).
    let work = max(m, rowTile) * max(n, columnTile / 2) * max(k, 1)
    if threads <= 1 || work < 100_000 {
      serial(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc, addend: addend, packed: packed, blocking: blocking)
      return
    }
    // A row split makes every thread pack all of B (k·n floats); a column split makes every
    // thread read all of A (m·k floats) but packs nothing twice. Reading costs about half as much
    // as packing, so split columns when m < 2n and there are enough column tiles, unless rows of
    // C are not whole cache lines apart (ldc not a multiple of 16): then the two threads write
    // into one line of every row, which moves between the cores m times, costed here as 64
    // floats each (the depth-2 product [500, 2]·[2, 362] ran at 24 GFLOP/s alone, 10 split by
    // columns).
    let sharedLines = ldc % columnTile == 0 ? 0 : m * 64
    let splitRows = 2 * k * n <= m * k + sharedLines || n < 2 * columnTile * min(threads, 2)
    let extent = splitRows ? m : n
    let tile = splitRows ? rowTile : columnTile
    let tiles = (extent + tile - 1) / tile
    let parts = min(threads, tiles)
    if parts <= 1 {
      serial(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc, addend: addend, packed: packed, blocking: blocking)
      return
    }
    WorkerPool.shared.run(taskCount: parts, participants: parts) { part in
      let start = tiles * part / parts * tile
      let end = min(extent, tiles * (part + 1) / parts * tile)
      if start >= end { return }
      if splitRows {
        serial(
          m: end - start, n: n, k: k, alpha: alpha, a: a.offset(rows: start, columns: 0), b: b,
          beta: beta, c: c + start * ldc, ldc: ldc, addend: addend.offset(rows: start, columns: 0), packed: packed, blocking: blocking)
      } else {
        serial(
          m: m, n: end - start, k: k, alpha: alpha, a: a, b: b.offset(rows: 0, columns: start),
          beta: beta, c: c + start, ldc: ldc, addend: addend.offset(rows: 0, columns: start),
          packed: packed?.offset(columns: start), blocking: blocking)
      }
    }
  }

  /// Single-threaded blocked product. `addend` is what β multiplies in the first depth block
  /// (C itself or a bias row); later blocks add to C. With `packed`, the micro-kernels read
  /// those panels of op(B) instead of packing B themselves.
  static func serial(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int, addend: Addend, packed: PackedOperand? = nil, blocking: GemmBlocking
  ) {
    let (rowBlock, columnBlock) = (blocking.rowBlock, blocking.columnBlock)
    if k == 0 {
      for row in 0..<m {
        let target = c + row * ldc
        for column in 0..<n { target[column] = beta == 0 ? 0 : beta * addend[row, column] }
      }
      return
    }
    if narrowProduct(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc, addend: addend) { return }
    if k <= shallowDepth {
      shallowProduct(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc, addend: addend, packed: packed)
      return
    }
    let accumulated = Addend(pointer: c, rowStride: ldc)
    let packedCount = packed == nil ? min(columnBlock, (n + columnTile - 1) / columnTile * columnTile) * min(depthBlock, k) : 0
    let packedBytes = (packedCount + rowTile * columnTile) * 4
    ThreadScratch.withBuffer(bytes: packedBytes) { buffer in
      let packedB = buffer.bindMemory(to: Float.self, capacity: packedCount + rowTile * columnTile)
      let scratch = UnsafeMutableBufferPointer(start: packedB + packedCount, count: rowTile * columnTile)
      for jc in stride(from: 0, to: n, by: columnBlock) {
        let nc = min(columnBlock, n - jc)
        for pc in stride(from: 0, to: k, by: depthBlock) {
          let kc = min(depthBlock, k - pc)
          let panels: UnsafePointer<Float>
          if let packed {
            panels = packed.panels(depthStart: pc, column: jc)
          } else {
            packB(b.offset(rows: pc, columns: jc), depth: kc, columns: nc, into: packedB)
            panels = UnsafePointer(packedB)
          }
          let (blockBeta, blockAddend) = pc == 0 ? (beta, addend) : (1, accumulated)
          for ic in stride(from: 0, to: m, by: rowBlock) {
            let mc = min(rowBlock, m - ic)
            for jr in stride(from: 0, to: nc, by: columnTile) {
              let columns = min(columnTile, nc - jr)
              let isNarrow = columns <= columnTile / 2
              let tileRows = isNarrow ? narrowRowTile : rowTile
              for ir in stride(from: 0, to: mc, by: tileRows) {
                let (rows, block, target) = (min(tileRows, mc - ir), a.offset(rows: ic + ir, columns: pc), c + (ic + ir) * ldc + jc + jr)
                let old = blockAddend.offset(rows: ic + ir, columns: jc + jr)
                if isNarrow {
                  narrowKernel(
                    depth: kc, a: block, b: panels + jr * kc, c: target, ldc: ldc, addend: old, rows: rows, columns: columns,
                    alpha: alpha, beta: blockBeta, scratch: scratch.baseAddress!)
                } else {
                  kernel(
                    depth: kc, a: block, b: panels + jr * kc, c: target, ldc: ldc, addend: old, rows: rows, columns: columns,
                    alpha: alpha, beta: blockBeta, scratch: scratch.baseAddress!)
                }
              }
            }
          }
        }
      }
    }
  }

  /// The 8×8 micro-kernel for a last panel of at most 8 columns (the 5-column tail of 21 = 16 + 5
  /// channels; tails such as 90 = 5·16 + 10 are wide; products of one or two columns go to
  /// ``narrowProduct(m:n:k:alpha:a:b:beta:c:ldc:addend:)``): the first half of each packed 16-wide row only, so half the
  /// multiply-adds of ``kernel(depth:a:b:c:ldc:rows:columns:alpha:beta:scratch:)`` per row, with
  /// the same operations on every element it keeps (the same products, summed in the same order,
  /// written the same way), hence the same bits. Rows past `rows` repeat the last one and are not
  /// written.
  @inline(__always)
  static func narrowKernel(
    depth: Int, a: MatrixOperand, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, addend: Addend, rows: Int, columns: Int,
    alpha: Float, beta: Float, scratch: UnsafeMutablePointer<Float>
  ) {
    var (c0, c1, c2, c3) = (Vector8(), Vector8(), Vector8(), Vector8())
    var (c4, c5, c6, c7) = (Vector8(), Vector8(), Vector8(), Vector8())
    let depthStride = a.depthStride
    let (pa0, pa1, pa2, pa3) = (a.rowStart(0, rows: rows), a.rowStart(1, rows: rows), a.rowStart(2, rows: rows), a.rowStart(3, rows: rows))
    let (pa4, pa5, pa6, pa7) = (a.rowStart(4, rows: rows), a.rowStart(5, rows: rows), a.rowStart(6, rows: rows), a.rowStart(7, rows: rows))
    var pb = UnsafeRawPointer(b)
    var offset = 0
    for _ in 0..<depth {
      let b0 = pb.loadUnaligned(as: Vector8.self)
      c0 = c0.addingProduct(Vector8(repeating: pa0[offset]), b0)
      c1 = c1.addingProduct(Vector8(repeating: pa1[offset]), b0)
      c2 = c2.addingProduct(Vector8(repeating: pa2[offset]), b0)
      c3 = c3.addingProduct(Vector8(repeating: pa3[offset]), b0)
      c4 = c4.addingProduct(Vector8(repeating: pa4[offset]), b0)
      c5 = c5.addingProduct(Vector8(repeating: pa5[offset]), b0)
      c6 = c6.addingProduct(Vector8(repeating: pa6[offset]), b0)
      c7 = c7.addingProduct(Vector8(repeating: pa7[offset]), b0)
      offset &+= depthStride
      pb += 64
    }
    let alphaVector = Vector8(repeating: alpha)
    let betaVector = Vector8(repeating: beta)
    @inline(__always) func write(_ row: Int, _ sum: Vector8) {
      guard row < rows else { return }
      for column in 0..<8 { scratch[column] = column < columns && beta != 0 ? addend[row, column] : 0 }
      let raw = UnsafeMutableRawPointer(scratch)
      let value = beta == 0 ? sum * alphaVector : (sum * alphaVector).addingProduct(raw.loadUnaligned(as: Vector8.self), betaVector)
      raw.storeBytes(of: value, as: Vector8.self)
      for column in 0..<columns { c[row * ldc + column] = scratch[column] }
    }
    write(0, c0)
    write(1, c1)
    write(2, c2)
    write(3, c3)
    write(4, c4)
    write(5, c5)
    write(6, c6)
    write(7, c7)
  }

  /// Packs op(B)[0..<depth, 0..<columns] into panels of 16 columns, each `depth × 16`,
  /// zero-padding the last panel.
  @inline(__always)
  static func packB(
    _ b: MatrixOperand, depth: Int, columns: Int, into packed: UnsafeMutablePointer<Float>
  ) {
    switch b.transposition {
    case .none: packUntransposedB(b, depth: depth, columns: columns, into: packed)
    case .transposed: packTransposedB(b, depth: depth, columns: columns, into: packed)
    }
  }

  /// ``packB(_:depth:columns:into:)`` for a transposed B, op(B)[p, j] = b[j·ldb + p]: a full
  /// panel moves as 8 × 8 squares (8 depths of 8 rows of b, transposed in registers); partial
  /// panels and the last depth % 8 element by element, writing each packed row contiguously and
  /// reading 16 rows of b in step.
  @inline(__always)
  static func packTransposedB(_ b: MatrixOperand, depth: Int, columns: Int, into packed: UnsafeMutablePointer<Float>) {
    for panelStart in stride(from: 0, to: columns, by: columnTile) {
      let width = min(columnTile, columns - panelStart)
      let panel = packed + panelStart * depth
      var vectorDepth = 0
      if width == columnTile {
        vectorDepth = depth / 8 * 8
        for p in stride(from: 0, to: vectorDepth, by: 8) {
          for half in 0..<2 {
            let source = b.pointer + (panelStart + 8 * half) * b.leadingDimension + p
            Vector8Square(loading: source, rowStride: b.leadingDimension).transposed()
              .store(to: panel + p * columnTile + 8 * half, rowStride: columnTile)
          }
        }
      }
      for p in vectorDepth..<depth {
        let target = panel + p * columnTile
        if width < columnTile { zeroPackedRow(target) }
        for lane in 0..<width { target[lane] = b.pointer[(panelStart + lane) * b.leadingDimension + p] }
      }
    }
  }

  /// Zeroes one 16-float row of a packed panel with two vector stores, before a partial panel's
  /// few columns are copied in (two library calls, copy and fill, cost more than the kernel's
  /// multiply-adds for the row).
  @inline(__always)
  static func zeroPackedRow(_ row: UnsafeMutablePointer<Float>) {
    let raw = UnsafeMutableRawPointer(row)
    raw.storeBytes(of: Vector8(), as: Vector8.self)
    raw.storeBytes(of: Vector8(), toByteOffset: 32, as: Vector8.self)
  }

  /// ``packB(_:depth:columns:into:)`` for an untransposed B, row by row: each row of B is read
  /// once from start to end and its 16-column pieces go to their panels, so a B that is not in
  /// cache streams in at the hardware prefetcher's pace (panel by panel, every pass read one
  /// 64-byte piece of each of `depth` rows, 512 bytes apart for 128 columns).
  @inline(__always)
  static func packUntransposedB(_ b: MatrixOperand, depth: Int, columns: Int, into packed: UnsafeMutablePointer<Float>) {
    let wholePanels = columns / columnTile
    let tail = columns - wholePanels * columnTile
    for p in 0..<depth {
      let source = UnsafeRawPointer(b.pointer + p * b.leadingDimension)
      var target = UnsafeMutableRawPointer(packed + p * columnTile)
      let panelBytes = 4 * columnTile * depth
      for panel in 0..<wholePanels {
        let offset = 64 * panel
        target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: Vector8.self), as: Vector8.self)
        target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset + 32, as: Vector8.self), toByteOffset: 32, as: Vector8.self)
        target += panelBytes
      }
      if tail > 0 {
        // A partial panel (a 10-column tail of 90 = 5·16 + 10): zeros, then `tail` scalar copies.
        let (from, to) = (source.assumingMemoryBound(to: Float.self) + wholePanels * columnTile, target.assumingMemoryBound(to: Float.self))
        zeroPackedRow(to)
        for lane in 0..<tail { to[lane] = from[lane] }
      }
    }
  }

  /// The 6×16 micro-kernel: C[0..<rows, 0..<columns] = α·(Ã·B̃) + β·C over one depth block.
  @inline(__always)
  static func kernel(
    depth: Int, a: MatrixOperand, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, addend: Addend, rows: Int, columns: Int,
    alpha: Float, beta: Float, scratch: UnsafeMutablePointer<Float>
  ) {
    var c00 = Vector8(), c01 = Vector8()
    var c10 = Vector8(), c11 = Vector8()
    var c20 = Vector8(), c21 = Vector8()
    var c30 = Vector8(), c31 = Vector8()
    var c40 = Vector8(), c41 = Vector8()
    var c50 = Vector8(), c51 = Vector8()
    let depthStride = a.depthStride
    var (pa0, pa1, pa2, pa3, pa4, pa5) = (
      a.rowStart(0, rows: rows), a.rowStart(1, rows: rows), a.rowStart(2, rows: rows), a.rowStart(3, rows: rows), a.rowStart(4, rows: rows),
      a.rowStart(5, rows: rows)
    )
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let b0 = pb.loadUnaligned(as: Vector8.self)
      let b1 = pb.loadUnaligned(fromByteOffset: 32, as: Vector8.self)
      var broadcast = Vector8(repeating: pa0.pointee)
      c00 = c00.addingProduct(broadcast, b0); c01 = c01.addingProduct(broadcast, b1)
      broadcast = Vector8(repeating: pa1.pointee)
      c10 = c10.addingProduct(broadcast, b0); c11 = c11.addingProduct(broadcast, b1)
      broadcast = Vector8(repeating: pa2.pointee)
      c20 = c20.addingProduct(broadcast, b0); c21 = c21.addingProduct(broadcast, b1)
      broadcast = Vector8(repeating: pa3.pointee)
      c30 = c30.addingProduct(broadcast, b0); c31 = c31.addingProduct(broadcast, b1)
      broadcast = Vector8(repeating: pa4.pointee)
      c40 = c40.addingProduct(broadcast, b0); c41 = c41.addingProduct(broadcast, b1)
      broadcast = Vector8(repeating: pa5.pointee)
      c50 = c50.addingProduct(broadcast, b0); c51 = c51.addingProduct(broadcast, b1)
      pa0 += depthStride; pa1 += depthStride; pa2 += depthStride
      pa3 += depthStride; pa4 += depthStride; pa5 += depthStride
      pb += 64
    }
    let full = rows == rowTile && columns == columnTile
    let target = full ? c : scratch
    let stride = full ? ldc : columnTile
    if !full && beta != 0 {
      for row in 0..<rows {
        for column in 0..<columns { scratch[row * columnTile + column] = addend[row, column] }
      }
    }
    let alphaVector = Vector8(repeating: alpha)
    let betaVector = Vector8(repeating: beta)
    @inline(__always) func write(_ row: Int, _ low: Vector8, _ high: Vector8) {
      let pointer = target + row * stride
      let raw = UnsafeMutableRawPointer(pointer)
      if beta == 0 {
        raw.storeBytes(of: low * alphaVector, as: Vector8.self)
        raw.storeBytes(of: high * alphaVector, toByteOffset: 32, as: Vector8.self)
      } else {
        let old = full ? UnsafeRawPointer(addend.pointer + row * addend.rowStride) : UnsafeRawPointer(pointer)
        let (oldLow, oldHigh) = (old.loadUnaligned(as: Vector8.self), old.loadUnaligned(fromByteOffset: 32, as: Vector8.self))
        raw.storeBytes(of: (low * alphaVector).addingProduct(oldLow, betaVector), as: Vector8.self)
        raw.storeBytes(
          of: (high * alphaVector).addingProduct(oldHigh, betaVector), toByteOffset: 32, as: Vector8.self)
      }
    }
    write(0, c00, c01)
    write(1, c10, c11)
    write(2, c20, c21)
    write(3, c30, c31)
    write(4, c40, c41)
    write(5, c50, c51)
    if !full {
      for row in 0..<rows {
        for column in 0..<columns { c[row * ldc + column] = scratch[row * columnTile + column] }
      }
    }
  }
}
