/// C and the addend S of a narrow product (``SimdGemm/narrowProduct(m:n:k:alpha:a:b:beta:c:ldc:addend:)``),
/// each with a row and a column stride, so that a kernel computing Cᵀ writes C: element (i, j)
/// of C is at `c + i·rowStride + j·columnStride`, of S at `addend + i·addendRowStride +
/// j·addendColumnStride` (a bias row has row stride 0).
struct NarrowTarget {
  let c: UnsafeMutablePointer<Float>
  let rowStride: Int
  let columnStride: Int
  let addend: UnsafePointer<Float>
  let addendRowStride: Int
  let addendColumnStride: Int

  /// C with row stride `ldc` and the ``Addend`` S, both with column stride 1.
  init(c: UnsafeMutablePointer<Float>, ldc: Int, addend: Addend) {
    self.init(c: c, rowStride: ldc, columnStride: 1, addend: addend.pointer, addendRowStride: addend.rowStride, addendColumnStride: 1)
  }

  init(c: UnsafeMutablePointer<Float>, rowStride: Int, columnStride: Int, addend: UnsafePointer<Float>, addendRowStride: Int, addendColumnStride: Int) {
    (self.c, self.rowStride, self.columnStride) = (c, rowStride, columnStride)
    (self.addend, self.addendRowStride, self.addendColumnStride) = (addend, addendRowStride, addendColumnStride)
  }

  /// The same memory seen as Cᵀ and Sᵀ.
  var transposed: NarrowTarget {
    NarrowTarget(c: c, rowStride: columnStride, columnStride: rowStride, addend: addend, addendRowStride: addendColumnStride, addendColumnStride: addendRowStride)
  }

  /// Writes `lanes` rows of column `column` from row `firstRow` on: α·sum + β·S in the first depth
  /// block, α·sum + C in later ones (β = 1), one fused multiply-add per element (α·sum alone when
  /// β = 0), as every kernel of ``SimdGemm`` writes.
  @inline(__always)
  func write(_ sum: Vector8, rows firstRow: Int, lanes: Int, column: Int, alpha: Vector8, beta: Float, firstBlock: Bool) {
    var value = sum * alpha
    if beta != 0 {
      var old = Vector8()
      for lane in 0..<lanes {
        let row = firstRow + lane
        old[lane] = firstBlock ? addend[row * addendRowStride + column * addendColumnStride] : c[row * rowStride + column * columnStride]
      }
      value = value.addingProduct(old, Vector8(repeating: beta))
    }
    for lane in 0..<lanes { c[(firstRow + lane) * rowStride + column * columnStride] = value[lane] }
  }
}
