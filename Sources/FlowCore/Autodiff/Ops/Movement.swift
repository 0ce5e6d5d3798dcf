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

  /// Joins along the last axis with each part multiplied by one element of `scales` (`[k]` for
  /// k parts): `[s₁·a₁, s₂·a₂, …]`, differentiable in the parts and the scales.
  public static func concatenatingLastAxis(_ parts: [Variable], scaledBy scales: Variable) -> Variable {
    precondition(scales.value.count == parts.count, "Need \(parts.count) scales, got shape \(scales.shape)")
    let widths = parts.map { $0.value.lastExtent }
    let value = Tensor.concatenatingLastAxis(parts.map(\.value), scales: scales.value.scalars)
    return Variable.record(value, name: "scaledConcatenate", inputs: parts + [scales]) { context in
      let count = widths.count
      let scalesInput = context.inputs[count]
      switch context.mode {
      case .firstOrder:
        let gradients = Tensor.scaledConcatenationGradients(
          upstream: context.upstream.value, parts: context.inputs.prefix(count).map(\.value),
          scales: scalesInput.value.scalars, wantsParts: (0..<count).map(context.needs))
        let partGradients: [Variable?] = gradients.parts.map { $0.map { Variable($0) } }
        let scaleGradient: Variable? = context.needs(count) ? Variable(Tensor(shape: scalesInput.shape, scalars: gradients.scales)) : nil
        return partGradients + [scaleGradient]
      case .differentiable:
        var start = 0
        var scaleTerms: [Variable] = []
        var result: [Variable?] = []
        for index in 0..<count {
          let range = start..<(start + widths[index])
          start += widths[index]
          let scale = scalesInput.slicingLastAxis(index..<(index + 1)).reshaped([])
          if context.needs(count) {
            // This product's own gradient with respect to the scales multiplies by the slice.
            let slice = context.upstream.slicingLastAxis(range)
            result.append(context.needs(index) ? slice * scale : nil)
            scaleTerms.append((slice * context.inputs[index]).sum().reshaped([1]))
          } else {
            result.append(context.needs(index) ? context.upstream.slicingLastAxis(range, scaledBy: scale) : nil)
          }
        }
        result.append(context.needs(count) ? Variable.concatenatingLastAxis(scaleTerms).reshaped(scalesInput.shape) : nil)
        return result
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

  /// Columns `range` of the last axis times the one element of `scale` (shape `[]` or `[1]`): the
  /// values of `slicingLastAxis(range) * scale` in one operation, without the intermediate slice
  /// (the parts of the i-DenseNet concatenation's vector-Jacobian product, Eq. 9–10 of
  /// Perugachi-Diaz et al. 2021, taken inside every log-determinant series term).
  public func slicingLastAxis(_ range: Range<Int>, scaledBy scale: Variable) -> Variable {
    precondition(scale.value.count == 1, "A slice is scaled by one element, got shape \(scale.shape)")
    let width = value.lastExtent
    // A trained scale's gradient multiplies by the slice: kept from the forward pass (reading it
    // again from the strided columns of the source, out of cache by the backward pass, took twice
    // the time of the copy: perf, toy i-DenseNet+LC step). First order, Σ g·slice is summed in
    // one pass (`sumOfProducts`, the bits of multiplying and then summing).
    let (slice, scaled): (Tensor?, Tensor) =
      scale.requiresGradient
      ? value.slicingLastAxis(range, alsoScaledBy: scale.value[flat: 0])
      : (nil, value.slicingLastAxis(range, scaledBy: scale.value[flat: 0]))
    return Variable.record(scaled, name: "scaledSlice", inputs: [self, scale], valueUse: .notReadByBackward) { context in
      let (source, scale, g) = (context.inputs[0], context.inputs[1], context.upstream)
      switch context.mode {
      case .firstOrder:
        let factor = scale.value[flat: 0]
        if context.needs(0), context.needs(1), let slice, Parallelism.threadCount == 1 {
          // Both from one read of g, on one thread (the sum's order is serial; with more threads
          // the padded adjoint is split among them and the sum taken apart).
          let (gradient, sum) = context.gradient(
            0, padding: g.value, offset: range.lowerBound, width: width, scaledBy: factor, summingProductsWith: slice)
          return [gradient, Variable(Tensor(sum).reshaped(scale.shape))]
        }
        return [
          context.needs(0) ? context.gradient(0, padding: g.value, offset: range.lowerBound, width: width, scaledBy: factor) : nil,
          context.needs(1)
            ? Variable(g.value.sumOfProducts(slice ?? source.value.slicingLastAxis(range)).reshaped(scale.shape)) : nil,
        ]
      case .differentiable:
        return [
          context.needs(0) ? (g * scale).paddingLastAxis(offset: range.lowerBound, width: width) : nil,
          context.needs(1) ? (g * source.slicingLastAxis(range)).summed(toShape: scale.shape) : nil,
        ]
      }
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
