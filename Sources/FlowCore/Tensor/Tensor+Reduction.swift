// MARK: - Sums over axes and their adjoint, broadcasting along an axis

extension Tensor {
  /// Normalises a possibly negative axis index and checks it.
  @usableFromInline
  func normalizedAxis(_ axis: Int) -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    precondition(resolved >= 0 && resolved < rank, "Axis \(axis) out of range for shape \(shape)")
    return resolved
  }

  /// The `[outer, extent, inner]` factorisation of the shape around `axis`.
  @usableFromInline
  func factorization(around axis: Int) -> (outer: Int, extent: Int, inner: Int) {
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    return (outer, shape[axis], inner)
  }

  /// Sums over one axis, removing it: `[…, n, …] → […, …]`.
  ///
  /// The order of additions depends only on the shape, so results are reproducible bit for bit
  /// whatever ``Parallelism/threadCount`` is.
  public func sum(alongAxis axis: Int) -> Tensor {
    let axis = normalizedAxis(axis)
    let (outer, extent, inner) = factorization(around: axis)
    var resultShape = shape
    resultShape.remove(at: axis)
    let result = Tensor(repeating: 0, shape: resultShape)
    let source = UnsafePointer(pointer)
    let target = result.pointer
    if inner == 1 {
      Parallelism.forEachRowChunk(rows: outer, width: extent) { range in
        for row in range {
          target[row] = Tensor.contiguousSum(source + row * extent, count: extent)
        }
      }
      return result
    }
    let work = { (outerRange: Range<Int>, innerRange: Range<Int>) in
      for row in outerRange {
        Tensor.addRows(source + row * extent * inner, rows: extent, rowStride: inner, columns: innerRange, into: target + row * inner)
      }
    }
    if outer == 1 {
      Parallelism.forEachChunk(count: inner, minimumParallelCount: Swift.max(64, Parallelism.minimumParallelElements / Swift.max(extent, 1))) {
        work(0..<1, $0)
      }
    } else {
      Parallelism.forEachRowChunk(rows: outer, width: extent * inner) {
        work($0, 0..<inner)
      }
    }
    return result
  }

  /// The sum of `count` contiguous floats in a fixed order (eight lanes, two accumulators).
  @usableFromInline
  static func contiguousSum(_ source: UnsafePointer<Float>, count: Int) -> Float {
    blockedSum(count: count) { offset, lanes in load8(source, offset, lanes) }
  }

  /// Σᵢ a[i]·b[i] over `count` contiguous floats, bit for bit ``contiguousSum(_:count:)`` of the
  /// elementwise products: each product is rounded on its own (a multiply, not a fused
  /// multiply-add) and the products are added in that sum's order (``blockedSum(count:_:)``),
  /// without writing them.
  @usableFromInline
  static func contiguousSumOfProducts(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    blockedSum(count: count) { offset, lanes in load8(a, offset, lanes) * load8(b, offset, lanes) }
  }

  /// The order of every contiguous sum: `element(offset, lanes)` gives elements
  /// `offset..<offset + lanes` as a vector (zero past `lanes`); blocks of 16 go to two
  /// accumulators, the tail by 8 to the first, and the two are added and reduced at the end.
  @inline(__always)
  static func blockedSum(count: Int, _ element: (Int, Int) -> Vector8) -> Float {
    var sum = BlockedSum()
    return sum.total(count: count, element)
  }

  /// ``blockedSum(count:_:)`` taken a piece at a time, for a kernel that adds its elements while
  /// it walks them for another purpose (``addPaddedLastAxis(offset:scaledBy:into:summingProductsWith:)``):
  /// the same additions in the same order.
  struct BlockedSum {
    var first = Vector8()
    var second = Vector8()
    /// The elements before it are added.
    var offset = 0

    /// Adds the whole blocks of 16 that end at or before `end`.
    @inline(__always)
    mutating func addBlocks(upTo end: Int, _ element: (Int, Int) -> Vector8) {
      while offset + 16 <= end {
        first += element(offset, 8)
        second += element(offset + 8, 8)
        offset += 16
      }
    }

    /// Adds what is left of `count` elements (whole blocks of 16, then the tail by 8 to the first
    /// accumulator) and reduces.
    @inline(__always)
    mutating func total(count: Int, _ element: (Int, Int) -> Vector8) -> Float {
      addBlocks(upTo: count, element)
      while offset < count {
        let lanes = Swift.min(8, count - offset)
        first += element(offset, lanes)
        offset += 8
      }
      return (first + second).sum()
    }
  }

  /// The sum of the elementwise products with `other` (same shape), as a scalar tensor: the bits
  /// of `(self * other).sum()` in one pass and without the product tensor.
  public func sumOfProducts(_ other: Tensor) -> Tensor {
    precondition(shape == other.shape, "sumOfProducts needs equal shapes, got \(shape) and \(other.shape)")
    return Tensor(Tensor.contiguousSumOfProducts(UnsafePointer(pointer), UnsafePointer(other.pointer), count: count))
  }

  /// target[c] += Σ_r source[r·rowStride + c] for c in `columns`, the rows added one after another
  /// in order (each element's sum is the sequence of additions a row-by-row pass over target
  /// makes), kept in registers across the rows: four vectors of columns at a time, then one,
  /// then single columns.
  @inline(__always)
  static func addRows(
    _ source: UnsafePointer<Float>, rows: Int, rowStride: Int, columns: Range<Int>, into target: UnsafeMutablePointer<Float>
  ) {
    var column = columns.lowerBound
    while column + 32 <= columns.upperBound {
      var sums = (load8(target, column, 8), load8(target, column + 8, 8), load8(target, column + 16, 8), load8(target, column + 24, 8))
      for row in 0..<rows {
        let values = source + row * rowStride + column
        sums.0 += load8(values, 0, 8)
        sums.1 += load8(values, 8, 8)
        sums.2 += load8(values, 16, 8)
        sums.3 += load8(values, 24, 8)
      }
      store8(sums.0, target, column, 8)
      store8(sums.1, target, column + 8, 8)
      store8(sums.2, target, column + 16, 8)
      store8(sums.3, target, column + 24, 8)
      column += 32
    }
    while column + 8 <= columns.upperBound {
      var sum = load8(target, column, 8)
      for row in 0..<rows { sum += load8(source + row * rowStride, column, 8) }
      store8(sum, target, column, 8)
      column += 8
    }
    while column < columns.upperBound {
      var sum = target[column]
      for row in 0..<rows { sum += source[row * rowStride + column] }
      target[column] = sum
      column += 1
    }
  }

  /// Sums over several axes, removing them.
  public func sum(alongAxes axes: [Int]) -> Tensor {
    let resolved = Set(axes.map(normalizedAxis)).sorted(by: >)
    var result = self
    for axis in resolved { result = result.sum(alongAxis: axis) }
    return result
  }

  /// The sum of all elements, as a scalar tensor (shape `[]`).
  public func sum() -> Tensor {
    Tensor(Tensor.contiguousSum(UnsafePointer(pointer), count: count))
  }

  /// The mean of all elements, as a scalar tensor.
  public func mean() -> Tensor {
    Tensor(sum().scalar / Float(Swift.max(count, 1)))
  }

  /// Repeats the tensor `extent` times along a new axis inserted at `axis`: the adjoint of
  /// ``sum(alongAxis:)``. `[…, …] → […, extent, …]`.
  public func expanded(insertingAxis axis: Int, extent: Int) -> Tensor {
    precondition(axis >= 0 && axis <= rank, "Axis \(axis) out of range for inserting into \(shape)")
    var resultShape = shape
    resultShape.insert(extent, at: axis)
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[axis...].reduce(1, *)
    let result = Tensor(uninitializedShape: resultShape)
    let source = UnsafePointer(pointer)
    let target = result.pointer
    for row in 0..<outer {
      for index in 0..<extent {
        (target + (row * extent + index) * inner).update(from: source + row * inner, count: inner)
      }
    }
    return result
  }
}
