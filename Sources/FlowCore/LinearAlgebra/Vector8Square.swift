import CVectorShuffles

/// An 8 × 8 block of floats held as eight 8-lane rows, for moving data between row-major and
/// column-major layouts with vector loads, shuffles and stores instead of 64 scalar copies
/// (packing a transposed matrix-product operand, ``SimdGemm``).
///
/// Pure data movement: every float arrives bit for bit.
struct Vector8Square {
  var rows: (Vector8, Vector8, Vector8, Vector8, Vector8, Vector8, Vector8, Vector8)

  /// The rows as given.
  @inline(__always)
  init(rows: (Vector8, Vector8, Vector8, Vector8, Vector8, Vector8, Vector8, Vector8)) {
    self.rows = rows
  }

  /// Loads rows `pointer + r·stride ..< + 8` for r = 0..<8.
  @inline(__always)
  init(loading pointer: UnsafePointer<Float>, rowStride stride: Int) {
    self.init(loading: pointer, rowStride: stride, rows: 8)
  }

  /// Loads rows `pointer + min(r, count − 1)·stride ..< + 8` for r = 0..<8: rows past `count`
  /// repeat the last one, so no load leaves a matrix of `count` rows.
  @inline(__always)
  init(loading pointer: UnsafePointer<Float>, rowStride stride: Int, rows count: Int) {
    @inline(__always) func row(_ index: Int) -> Vector8 {
      UnsafeRawPointer(pointer + min(index, count - 1) * stride).loadUnaligned(as: Vector8.self)
    }
    rows = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
  }

  /// Stores row r at `pointer + r·stride`.
  @inline(__always)
  func store(to pointer: UnsafeMutablePointer<Float>, rowStride stride: Int) {
    @inline(__always) func put(_ vector: Vector8, _ index: Int) {
      UnsafeMutableRawPointer(pointer + index * stride).storeBytes(of: vector, as: Vector8.self)
    }
    put(rows.0, 0); put(rows.1, 1); put(rows.2, 2); put(rows.3, 3)
    put(rows.4, 4); put(rows.5, 5); put(rows.6, 6); put(rows.7, 7)
  }

  /// The transpose: element (r, c) moves to (c, r), in three rounds of two-input shuffles
  /// (`CVectorShuffles`, 24 instructions): interleave the pairs of rows, then the pairs of pairs,
  /// then join the 128-bit halves. With r = (r₀ … r₇) the rows, after round two u₀ holds
  /// column 0 of rows 0-3 and column 4 of rows 0-3, u₄ the same of rows 4-7.
  @inline(__always)
  func transposed() -> Vector8Square {
    let (r0, r1, r2, r3, r4, r5, r6, r7) = rows
    let (t0, t1) = (lipflow_interleave_low(r0, r1), lipflow_interleave_high(r0, r1))
    let (t2, t3) = (lipflow_interleave_low(r2, r3), lipflow_interleave_high(r2, r3))
    let (t4, t5) = (lipflow_interleave_low(r4, r5), lipflow_interleave_high(r4, r5))
    let (t6, t7) = (lipflow_interleave_low(r6, r7), lipflow_interleave_high(r6, r7))
    let (u0, u1) = (lipflow_first_pairs(t0, t2), lipflow_second_pairs(t0, t2))
    let (u2, u3) = (lipflow_first_pairs(t1, t3), lipflow_second_pairs(t1, t3))
    let (u4, u5) = (lipflow_first_pairs(t4, t6), lipflow_second_pairs(t4, t6))
    let (u6, u7) = (lipflow_first_pairs(t5, t7), lipflow_second_pairs(t5, t7))
    return Vector8Square(rows: (
      lipflow_opaque(lipflow_low_halves(u0, u4)), lipflow_opaque(lipflow_low_halves(u1, u5)),
      lipflow_opaque(lipflow_low_halves(u2, u6)), lipflow_opaque(lipflow_low_halves(u3, u7)),
      lipflow_opaque(lipflow_high_halves(u0, u4)), lipflow_opaque(lipflow_high_halves(u1, u5)),
      lipflow_opaque(lipflow_high_halves(u2, u6)), lipflow_opaque(lipflow_high_halves(u3, u7))
    ))
  }
}
