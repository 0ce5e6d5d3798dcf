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
    @inline(__always) func row(_ index: Int) -> Vector8 {
      UnsafeRawPointer(pointer + index * stride).loadUnaligned(as: Vector8.self)
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

  /// The transpose: element (r, c) moves to (c, r).
  ///
  /// Read the 64 floats row by row as one sequence indexed by the six bits `r₂r₁r₀c₂c₁c₀`.
  /// Splitting the sequence into its even and its odd elements (``deinterleaved()``) rotates every
  /// index right by one bit; three rotations give `c₂c₁c₀r₂r₁r₀`, the transposed position.
  @inline(__always)
  func transposed() -> Vector8Square {
    deinterleaved().deinterleaved().deinterleaved()
  }

  /// The even-indexed elements of the 64-float sequence followed by the odd-indexed ones.
  @inline(__always)
  func deinterleaved() -> Vector8Square {
    let pairs = (
      SIMD16(lowHalf: rows.0, highHalf: rows.1), SIMD16(lowHalf: rows.2, highHalf: rows.3),
      SIMD16(lowHalf: rows.4, highHalf: rows.5), SIMD16(lowHalf: rows.6, highHalf: rows.7)
    )
    return Vector8Square(rows: (
      pairs.0.evenHalf, pairs.1.evenHalf, pairs.2.evenHalf, pairs.3.evenHalf,
      pairs.0.oddHalf, pairs.1.oddHalf, pairs.2.oddHalf, pairs.3.oddHalf
    ))
  }
}
