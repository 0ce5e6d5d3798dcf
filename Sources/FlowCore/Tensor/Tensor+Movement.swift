// MARK: - Concatenation and slicing along the last (feature / channel) axis

extension Tensor {
  /// Joins tensors along the last axis: `[…, C₁], […, C₂], … → […, C₁ + C₂ + …]`.
  /// - Precondition: all parts have the same leading shape.
  public static func concatenatingLastAxis(_ parts: [Tensor]) -> Tensor {
    // x·1 is exact, so the scaled kernel serves both.
    return concatenatingLastAxis(parts, scales: [Float](repeating: 1, count: parts.count))
  }

  /// Joins tensors along the last axis, each multiplied by its scale:
  /// `[s₁·a₁, s₂·a₂, …]` in one pass (the i-DenseNet concatenation [η̂₁·x, η̂₂·h]).
  public static func concatenatingLastAxis(_ parts: [Tensor], scales: [Float]) -> Tensor {
    precondition(parts.count == scales.count, "One scale per part needed: \(parts.count) parts, \(scales.count) scales")
    let (leading, widths, total, rows) = concatenationLayout(parts)
    let result = Tensor(uninitializedShape: leading + [total])
    let target = result.pointer
    // Raw pointers taken once: touching the parts' storage per row costs a retain and a
    // release each, more than copying a row of a few dozen channels.
    let sources = parts.map { UnsafePointer($0.pointer) }
    withExtendedLifetime(parts) {
      Parallelism.forEachRowChunk(rows: rows, width: total) { range in
        for row in range {
          var column = 0
          for index in sources.indices {
            let width = widths[index]
            Tensor.scaleRow(sources[index] + row * width, into: target + row * total + column, count: width, by: scales[index])
            column += width
          }
        }
      }
    }
    return result
  }

  /// The shared leading shape, the widths, their total and the row count of parts to be joined
  /// along the last axis.
  static func concatenationLayout(_ parts: [Tensor]) -> (leading: [Int], widths: [Int], total: Int, rows: Int) {
    precondition(!parts.isEmpty, "Nothing to concatenate")
    let leading = Array(parts[0].shape.dropLast())
    for part in parts {
      precondition(Array(part.shape.dropLast()) == leading, "Concatenation needs equal leading shapes, got \(parts.map(\.shape))")
    }
    let widths = parts.map(\.lastExtent)
    return (leading, widths, widths.reduce(0, +), parts[0].rowCount)
  }

  /// The first-order gradients of ``concatenatingLastAxis(_:scales:)`` for upstream g in one
  /// pass: ∂aᵢ = sᵢ·g[:, colsᵢ] and ∂sᵢ = Σ aᵢ ⊙ g[:, colsᵢ] (per-row partial sums added in row
  /// order, so the result does not depend on the thread count).
  public static func scaledConcatenationGradients(
    upstream: Tensor, parts: [Tensor], scales: [Float], wantsParts: [Bool]
  ) -> (parts: [Tensor?], scales: [Float]) {
    let (leading, widths, total, rows) = concatenationLayout(parts)
    precondition(upstream.shape == leading + [total], "Upstream \(upstream.shape) does not match the concatenation \(leading + [total])")
    let gradients: [Tensor?] = parts.indices.map { wantsParts[$0] ? Tensor(uninitializedShape: parts[$0].shape) : nil }
    let partials = Tensor(uninitializedShape: [rows, parts.count])
    let source = UnsafePointer(upstream.pointer)
    // Raw pointers taken once (see concatenatingLastAxis(_:scales:)).
    let inputs = parts.map { UnsafePointer($0.pointer) }
    let outputs = gradients.map { $0?.pointer }
    let partialSums = partials.pointer
    let count = parts.count
    withExtendedLifetime((parts, gradients, partials, upstream)) {
      Parallelism.forEachRowChunk(rows: rows, width: total) { range in
        for row in range {
          var column = 0
          for index in 0..<count {
            let width = widths[index]
            let factor = Vector8(repeating: scales[index])
            let g = source + row * total + column
            let a = inputs[index] + row * width
            let gradient = outputs[index].map { $0 + row * width }
            var dot = Vector8()
            var offset = 0
            while offset + 8 <= width {
              let gv = load8(g, offset, 8)
              dot = dot.addingProduct(gv, load8(a, offset, 8))
              if let gradient { store8(gv * factor, gradient, offset, 8) }
              offset += 8
            }
            // The last 1-7 columns one by one, each into the lane a partial vector gives it (the
            // lanes past them would add 0·0, which changes nothing: a lane that starts at +0 and
            // only gains products is never −0).
            for lane in 0..<(width - offset) {
              let value = g[offset + lane]
              dot[lane] = dot[lane].addingProduct(value, a[offset + lane])
              gradient?[offset + lane] = value * scales[index]
            }
            partialSums[row * count + index] = dot.sum()
            column += width
          }
        }
      }
    }
    var scaleGradients = [Float](repeating: 0, count: parts.count)
    for row in 0..<rows {
      for index in parts.indices { scaleGradients[index] += partials.pointer[row * parts.count + index] }
    }
    return (gradients, scaleGradients)
  }

  /// The columns `range` of the last axis: `[…, C] → […, range.count]`.
  public func slicingLastAxis(_ range: Range<Int>) -> Tensor {
    let width = lastExtent
    checkSliceBounds(range)
    if range.count == width { return self }
    let result = Tensor(uninitializedShape: Array(shape.dropLast()) + [range.count])
    let target = result.pointer
    let source = UnsafePointer(pointer)
    Parallelism.forEachRowChunk(rows: rowCount, width: width) { rows in
      for row in rows {
        (target + row * range.count).update(from: source + row * width + range.lowerBound, count: range.count)
      }
    }
    return result
  }

  /// The columns `range` of the last axis times `scale`, in one pass: `[…, C] → […, range.count]`,
  /// the same products as ``slicingLastAxis(_:)`` followed by `* scale`.
  public func slicingLastAxis(_ range: Range<Int>, scaledBy scale: Float) -> Tensor {
    let width = lastExtent
    checkSliceBounds(range)
    let result = Tensor(uninitializedShape: Array(shape.dropLast()) + [range.count])
    let (target, source, columns) = (result.pointer, UnsafePointer(pointer), range.count)
    Parallelism.forEachRowChunk(rows: rowCount, width: width) { rows in
      for row in rows {
        Tensor.scaleRow(source + row * width + range.lowerBound, into: target + row * columns, count: columns, by: scale)
      }
    }
    return result
  }

  /// The columns `range` of the last axis, and the same times `scale`, from one read of them:
  /// ``slicingLastAxis(_:)`` and ``slicingLastAxis(_:scaledBy:)`` at once (a slice whose trained
  /// scale's gradient needs the slice itself).
  public func slicingLastAxis(_ range: Range<Int>, alsoScaledBy scale: Float) -> (slice: Tensor, scaled: Tensor) {
    let width = lastExtent
    checkSliceBounds(range)
    let shape = Array(self.shape.dropLast()) + [range.count]
    let (slice, scaled) = (Tensor(uninitializedShape: shape), Tensor(uninitializedShape: shape))
    let (plain, times, source, columns) = (slice.pointer, scaled.pointer, UnsafePointer(pointer), range.count)
    let factor = Vector8(repeating: scale)
    Parallelism.forEachRowChunk(rows: rowCount, width: width) { rows in
      for row in rows {
        let (from, offset) = (source + row * width + range.lowerBound, row * columns)
        var column = 0
        while column + 8 <= columns {
          let values = load8(from, column, 8)
          store8(values, plain + offset, column, 8)
          store8(values * factor, times + offset, column, 8)
          column += 8
        }
        while column < columns {
          plain[offset + column] = from[column]
          times[offset + column] = from[column] * scale
          column += 1
        }
      }
    }
    return (slice, scaled)
  }

  /// `scale` times the tensor, placed at columns `offset..<offset + C` of a zero tensor whose last
  /// axis has `width` columns, in one pass: the adjoint of ``slicingLastAxis(_:scaledBy:)``.
  public func paddingLastAxis(offset: Int, width: Int, scaledBy scale: Float) -> Tensor {
    let columns = lastExtent
    precondition(offset >= 0 && offset + columns <= width, "Padding \(shape) at \(offset) exceeds width \(width)")
    let result = Tensor(uninitializedShape: Array(shape.dropLast()) + [width])
    let (target, source) = (result.pointer, UnsafePointer(pointer))
    Parallelism.forEachRowChunk(rows: rowCount, width: width) { rows in
      for row in rows {
        Tensor.padRow(source + row * columns, count: columns, scaledBy: scale, into: target + row * width, offset: offset, width: width, .replace)
      }
    }
    return result
  }

  /// `target += ` this tensor times `scale` placed at columns `offset..<offset + C` of zeros whose
  /// last axis has `width` columns: the bits of `target + paddingLastAxis(offset:width:scaledBy:)`
  /// (each product rounded, then added; the zero columns still add 0, which turns −0 into +0),
  /// without forming the padded tensor. Written straight into `target`'s storage: for a caller
  /// that holds it alone (``GradientAccumulator``).
  func addPaddedLastAxis(offset: Int, scaledBy scale: Float, into target: Tensor) {
    let (columns, width) = (lastExtent, target.lastExtent)
    precondition(offset >= 0 && offset + columns <= width, "Padding \(shape) at \(offset) exceeds width \(width)")
    precondition(target.rowCount == rowCount, "Padding \(shape) into \(target.shape): row counts differ")
    let (destination, source) = (target.pointer, UnsafePointer(pointer))
    Parallelism.forEachRowChunk(rows: rowCount, width: width) { rows in
      for row in rows {
        Tensor.padRow(source + row * columns, count: columns, scaledBy: scale, into: destination + row * width, offset: offset, width: width, .add)
      }
    }
  }

  /// ``addPaddedLastAxis(offset:scaledBy:into:)`` and Σ self ⊙ `other` (the bits of
  /// ``sumOfProducts(_:)``) from one read of this tensor, row after row on the calling thread:
  /// the adjoint of a scaled slice and its scale's gradient (the sum, bound by the latency of its
  /// additions, runs beside the memory-bound writes instead of after them).
  func addPaddedLastAxis(offset: Int, scaledBy scale: Float, into target: Tensor, summingProductsWith other: Tensor) -> Float {
    precondition(target.rowCount == rowCount, "Padding \(shape) into \(target.shape): row counts differ")
    return padRowsSummingProducts(offset: offset, scaledBy: scale, into: target.pointer, width: target.lastExtent, .add, other)
  }

  /// ``paddingLastAxis(offset:width:scaledBy:)`` and Σ self ⊙ `other` (the bits of
  /// ``sumOfProducts(_:)``) from one read of this tensor, on the calling thread.
  func paddingLastAxis(offset: Int, width: Int, scaledBy scale: Float, summingProductsWith other: Tensor) -> (padded: Tensor, sum: Float) {
    let result = Tensor(uninitializedShape: Array(shape.dropLast()) + [width])
    let sum = padRowsSummingProducts(offset: offset, scaledBy: scale, into: result.pointer, width: width, .replace, other)
    return (result, sum)
  }

  /// Writes or adds this tensor times `scale` at columns `offset..<offset + C` of the `width`
  /// columns of `destination` (zeros elsewhere, or + 0), and returns Σ self ⊙ `other` in the
  /// order of ``Tensor/blockedSum(count:_:)``, its blocks added as each row completes them.
  /// Inlined into its two callers, each with a constant `write`, so that no row tests it.
  @inline(__always)
  private func padRowsSummingProducts(
    offset: Int, scaledBy scale: Float, into destination: UnsafeMutablePointer<Float>, width: Int, _ write: RowWrite, _ other: Tensor
  ) -> Float {
    let columns = lastExtent
    precondition(offset >= 0 && offset + columns <= width, "Padding \(shape) at \(offset) exceeds width \(width)")
    precondition(other.shape == shape, "sumOfProducts needs equal shapes, got \(shape) and \(other.shape)")
    let (source, factors) = (UnsafePointer(pointer), UnsafePointer(other.pointer))
    let product = { (start: Int, lanes: Int) in load8(source, start, lanes) * load8(factors, start, lanes) }
    var sum = BlockedSum()
    return withExtendedLifetime((self, other)) {
      for row in 0..<rowCount {
        Tensor.padRow(source + row * columns, count: columns, scaledBy: scale, into: destination + row * width, offset: offset, width: width, write)
        sum.addBlocks(upTo: (row + 1) * columns, product)
      }
      return sum.total(count: count, product)
    }
  }

  /// One row of a padded scaled slice: `count` floats of `source` times `scale` at columns
  /// `offset..<offset + count` of the `width` columns at `target`, zeros around them, written over
  /// the row or added to it (the zero columns then add 0, which turns −0 into +0).
  @inline(__always)
  static func padRow(
    _ source: UnsafePointer<Float>, count: Int, scaledBy scale: Float, into target: UnsafeMutablePointer<Float>,
    offset: Int, width: Int, _ write: RowWrite
  ) {
    zeroRow(target, count: offset, write)
    scaleRow(source, into: target + offset, count: count, by: scale, write)
    zeroRow(target + offset + count, count: width - offset - count, write)
  }

  /// Zeros written over `count` floats, or 0 added to them (``addZeroRow(_:count:)``).
  @inline(__always)
  static func zeroRow(_ target: UnsafeMutablePointer<Float>, count: Int, _ write: RowWrite) {
    switch write {
    case .replace: target.update(repeating: 0, count: count)
    case .add: addZeroRow(target, count: count)
    }
  }

  /// target[i] = target[i] + 0 for i < count (only −0 changes, to +0).
  @inline(__always)
  static func addZeroRow(_ target: UnsafeMutablePointer<Float>, count: Int) {
    var offset = 0
    while offset + 8 <= count {
      store8(load8(UnsafePointer(target), offset, 8) + Vector8(), target, offset, 8)
      offset += 8
    }
    while offset < count {
      target[offset] = target[offset] + 0
      offset += 1
    }
  }

  /// Stops with a message unless `range` lies within the last axis.
  func checkSliceBounds(_ range: Range<Int>) {
    precondition(
      range.lowerBound >= 0 && range.upperBound <= lastExtent,
      "Slice \(range) out of bounds for last axis of \(shape)")
  }

  /// Whether a row kernel writes its values over the target or adds them to it.
  enum RowWrite {
    case replace
    /// target[i] + value, the value rounded before the sum.
    case add
  }

  /// target[i] = source[i] · scale for i < count (or target[i] + source[i] · scale with
  /// ``RowWrite/add``), 8 lanes at a time.
  @inline(__always)
  static func scaleRow(
    _ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int, by scale: Float, _ write: RowWrite = .replace
  ) {
    let factor = Vector8(repeating: scale)
    var offset = 0
    while offset + 8 <= count {
      let value = load8(source, offset, 8) * factor
      store8(write == .add ? load8(UnsafePointer(target), offset, 8) + value : value, target, offset, 8)
      offset += 8
    }
    // The last few one by one: the same products and sums as a partial vector, without
    // assembling one lane by lane (rows of 90 or 182 columns end in 2 or 6).
    while offset < count {
      let value = source[offset] * scale
      target[offset] = write == .add ? target[offset] + value : value
      offset += 1
    }
  }

  /// Places the tensor at columns `offset..<offset + C` of a zero tensor whose last axis has
  /// `width` columns: the adjoint of ``slicingLastAxis(_:)``.
  public func paddingLastAxis(offset: Int, width: Int) -> Tensor {
    let columns = lastExtent
    precondition(offset >= 0 && offset + columns <= width, "Padding \(shape) at \(offset) exceeds width \(width)")
    let result = Tensor(uninitializedShape: Array(shape.dropLast()) + [width])
    let target = result.pointer
    let source = UnsafePointer(pointer)
    Parallelism.forEachRowChunk(rows: rowCount, width: width) { rows in
      for row in rows {
        let rowTarget = target + row * width
        rowTarget.update(repeating: 0, count: offset)
        (rowTarget + offset).update(from: source + row * columns, count: columns)
        (rowTarget + offset + columns).update(repeating: 0, count: width - offset - columns)
      }
    }
    return result
  }

}

// MARK: - Space-to-depth (squeeze) and its inverse

extension Tensor {
  /// Space-to-depth with factor 2 on `[N, H, W, C]`: `[N, H, W, C] → [N, H/2, W/2, 4C]`.
  ///
  /// Output channel `(2·i + j)·C + c` holds input pixel `(2h + i, 2w + j)`, channel `c`: the four
  /// sub-pixel positions are contiguous blocks of `C` channels. (residual-flows orders the same
  /// values as `c·4 + 2i + j` in its channels-first layout; the map is a permutation either way.)
  public func squeezed() -> Tensor {
    precondition(rank == 4, "squeezed() needs [N, H, W, C], got \(shape)")
    let (batch, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
    precondition(height % 2 == 0 && width % 2 == 0, "squeezed() needs even height and width, got \(shape)")
    let result = Tensor(uninitializedShape: [batch, height / 2, width / 2, 4 * channels])
    let source = UnsafePointer(pointer)
    let target = result.pointer
    for n in 0..<batch {
      for h in 0..<(height / 2) {
        for w in 0..<(width / 2) {
          let out = target + ((n * (height / 2) + h) * (width / 2) + w) * 4 * channels
          for i in 0..<2 {
            for j in 0..<2 {
              let input = source + ((n * height + 2 * h + i) * width + 2 * w + j) * channels
              (out + (2 * i + j) * channels).update(from: input, count: channels)
            }
          }
        }
      }
    }
    return result
  }

  /// Depth-to-space, the inverse of ``squeezed()``: `[N, H, W, 4C] → [N, 2H, 2W, C]`.
  public func unsqueezed() -> Tensor {
    precondition(rank == 4 && shape[3] % 4 == 0, "unsqueezed() needs [N, H, W, 4C], got \(shape)")
    let (batch, height, width, channels) = (shape[0], shape[1], shape[2], shape[3] / 4)
    let result = Tensor(uninitializedShape: [batch, 2 * height, 2 * width, channels])
    let source = UnsafePointer(pointer)
    let target = result.pointer
    for n in 0..<batch {
      for h in 0..<height {
        for w in 0..<width {
          let input = source + ((n * height + h) * width + w) * 4 * channels
          for i in 0..<2 {
            for j in 0..<2 {
              let out = target + ((n * 2 * height + 2 * h + i) * 2 * width + 2 * w + j) * channels
              out.update(from: input + (2 * i + j) * channels, count: channels)
            }
          }
        }
      }
    }
    return result
  }
}
