// MARK: - Reshape, concatenation, slicing, squeeze

extension Variable {
  /// The same elements with another shape.
  public func reshaped(_ newShape: [Int]) -> Variable {
    let sourceShape = shape
    if sourceShape == newShape { return self }
    return Variable.record(value.reshaped(newShape), name: "reshape", inputs: [self]) { context in
      [context.upstream.reshaped(sourceShape)]
    }
  }

  /// Joins along the last (feature / channel) axis.
  public static func concatenatingLastAxis(_ parts: [Variable]) -> Variable {
    let widths = parts.map { $0.value.lastExtent }
    return Variable.record(
      Tensor.concatenatingLastAxis(parts.map(\.value)), name: "concatenate", inputs: parts
    ) { context in
      var start = 0
      return widths.enumerated().map { index, width in
        defer { start += width }
        return context.needs(index) ? context.upstream.slicingLastAxis(start..<(start + width)) : nil
      }
    }
  }

  /// Columns `range` of the last axis.
  public func slicingLastAxis(_ range: Range<Int>) -> Variable {
    let width = value.lastExtent
    if range == 0..<width { return self }
    return Variable.record(value.slicingLastAxis(range), name: "slice", inputs: [self]) { context in
      [context.upstream.paddingLastAxis(offset: range.lowerBound, width: width)]
    }
  }

  /// Embeds into zeros of last-axis width `width` at `offset`: the adjoint of slicing.
  public func paddingLastAxis(offset: Int, width: Int) -> Variable {
    let columns = value.lastExtent
    return Variable.record(
      value.paddingLastAxis(offset: offset, width: width), name: "pad", inputs: [self]
    ) { context in
      [context.upstream.slicingLastAxis(offset..<(offset + columns))]
    }
  }

  /// Space-to-depth: `[N, H, W, C] → [N, H/2, W/2, 4C]` (see ``Tensor/squeezed()``).
  public func squeezed() -> Variable {
    Variable.record(value.squeezed(), name: "squeeze", inputs: [self]) { context in
      [context.upstream.unsqueezed()]
    }
  }

  /// Depth-to-space: `[N, H, W, 4C] → [N, 2H, 2W, C]`.
  public func unsqueezed() -> Variable {
    Variable.record(value.unsqueezed(), name: "unsqueeze", inputs: [self]) { context in
      [context.upstream.squeezed()]
    }
  }
}
