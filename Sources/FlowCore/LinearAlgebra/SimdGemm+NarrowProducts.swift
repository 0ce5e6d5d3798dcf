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
    let (alphaVector, lda) = (Vector8(repeating: alpha), a.leadingDimension)
    // 32 rows at a time: four independent chains of multiply-adds per column (one chain waited
    // out the 4-cycle latency of every multiply-add).
    for rowStart in stride(from: 0, to: m, by: 32) {
      @inline(__always) func lanes(_ group: Int) -> Int { min(8, max(0, m - rowStart - 8 * group)) }
      let (lanes0, lanes1, lanes2, lanes3) = (lanes(0), lanes(1), lanes(2), lanes(3))
      for depthStart in stride(from: 0, to: k, by: depthBlock) {
        let depthEnd = min(k, depthStart + depthBlock)
        var (first0, first1, first2, first3) = (Vector8(), Vector8(), Vector8(), Vector8())
        var (second0, second1, second2, second3) = (Vector8(), Vector8(), Vector8(), Vector8())
        var row = a.pointer + depthStart * lda + rowStart
        let columns = NarrowColumns(b)
        for depth in depthStart..<depthEnd {
          let (values0, values1) = (load8(row, 0, lanes0), load8(row, 8, lanes1))
          let (values2, values3) = (load8(row, 16, lanes2), load8(row, 24, lanes3))
          let left = Vector8(repeating: columns.first[depth &* columns.depthStride])
          first0 = first0.addingProduct(values0, left); first1 = first1.addingProduct(values1, left)
          first2 = first2.addingProduct(values2, left); first3 = first3.addingProduct(values3, left)
          if n == 2 {
            let right = Vector8(repeating: columns.second[depth &* columns.depthStride])
            second0 = second0.addingProduct(values0, right); second1 = second1.addingProduct(values1, right)
            second2 = second2.addingProduct(values2, right); second3 = second3.addingProduct(values3, right)
          }
          row += lda
        }
        let (blockBeta, firstBlock) = depthStart == 0 ? (beta, true) : (1, false)
        @inline(__always) func write(_ column: Int, _ group: Int, _ sum: Vector8) {
          target.write(sum, rows: rowStart + 8 * group, lanes: lanes(group), column: column, alpha: alphaVector, beta: blockBeta, firstBlock: firstBlock)
        }
        write(0, 0, first0); write(0, 1, first1); write(0, 2, first2); write(0, 3, first3)
        if n == 2 { write(1, 0, second0); write(1, 1, second1); write(1, 2, second2); write(1, 3, second3) }
      }
    }
  }
}

extension MatrixOperand {
  /// The same memory read as op(M)ᵀ.
  var transposedOperand: MatrixOperand {
    MatrixOperand(pointer: pointer, leadingDimension: leadingDimension, transposition: transposition == .none ? .transposed : .none)
  }

}
