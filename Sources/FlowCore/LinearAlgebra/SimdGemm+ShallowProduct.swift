extension SimdGemm {
  /// The deepest product ``shallowProduct(m:n:k:alpha:a:b:beta:c:ldc:addend:packed:)`` computes.
  static let shallowDepth = 4

  /// C = α·op(A)·op(B) + β·S for a depth k ≤ ``shallowDepth``, one row of C after another (the
  /// vector-Jacobian product [500, 2]·[2, 362] of the i-DenseNet's output layer, the toy input
  /// layers, the MNIST i-DenseNet's [50176, 1]·[1, 64] and [12544, 4]·[4, 67]): each row is written from start to end while op(B), at most
  /// 4 × n floats, stays in L1. The 6 × 16 micro-kernel spends more on setting up and storing a
  /// tile than on its 2k multiply-adds, and walks C panel by panel.
  ///
  /// Same bits as ``kernel(depth:a:b:c:ldc:addend:rows:columns:alpha:beta:scratch:)``: each element
  /// sums its k products in increasing depth with fused multiply-adds from zero, over the same
  /// packed panels, and is written as α·sum or α·sum + β·S in one fused operation; a last partial
  /// panel goes through scratch as there.
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
      for row in 0..<m {
        shallowRow(
          n: n, k: k, alpha: alpha, a: a.rowStart(row, rows: m), depthStride: a.depthStride, panels: panels, beta: beta,
          c: c + row * ldc, addend: addend.offset(rows: row, columns: 0), scratch: scratch)
      }
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
