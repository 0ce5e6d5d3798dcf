// MARK: - Sums and means

extension Variable {
  /// The sum of all elements, shape `[]`.
  public func sum() -> Variable {
    let sourceShape = shape
    return Variable.record(value.sum(), name: "sum", inputs: [self]) { context in
      [context.upstream.broadcast(toShape: sourceShape)]
    }
  }

  /// The mean of all elements, shape `[]`.
  public func mean() -> Variable {
    sum() * (1 / Float(Swift.max(value.count, 1)))
  }

  /// Sums over `axis`, removing it.
  public func sum(alongAxis axis: Int) -> Variable {
    let resolved = value.normalizedAxis(axis)
    let extent = shape[resolved]
    return Variable.record(value.sum(alongAxis: resolved), name: "sumAlongAxis", inputs: [self]) { context in
      [context.upstream.expanded(insertingAxis: resolved, extent: extent)]
    }
  }

  /// Sums over several axes, removing them.
  public func sum(alongAxes axes: [Int]) -> Variable {
    var result = self
    for axis in Set(axes.map(value.normalizedAxis)).sorted(by: >) { result = result.sum(alongAxis: axis) }
    return result
  }

  /// The mean over `axis`, removing it.
  public func mean(alongAxis axis: Int) -> Variable {
    let extent = shape[value.normalizedAxis(axis)]
    return sum(alongAxis: axis) * (1 / Float(Swift.max(extent, 1)))
  }

  /// Repeats along a new axis: the adjoint of ``sum(alongAxis:)``.
  public func expanded(insertingAxis axis: Int, extent: Int) -> Variable {
    Variable.record(
      value.expanded(insertingAxis: axis, extent: extent), name: "expand", inputs: [self]
    ) { context in
      [context.upstream.sum(alongAxis: axis)]
    }
  }
}
