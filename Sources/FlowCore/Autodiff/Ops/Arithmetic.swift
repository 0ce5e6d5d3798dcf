// MARK: - Broadcasting helpers

extension Variable {
  /// Sums a broadcast gradient back to `shape` (the adjoint of broadcasting to this variable's shape).
  public func summed(toShape shape: [Int]) -> Variable {
    if self.shape == shape { return self }
    let target = Tensor.elementCount(shape)
    precondition(target > 0 && value.count % target == 0, "Cannot sum \(self.shape) to \(shape)")
    let rows = value.count / target
    let result = value.reshaped([rows, target]).sum(alongAxis: 0).reshaped(shape)
    let sourceShape = self.shape
    return Variable.record(result, name: "sumToShape", inputs: [self]) { context in
      [context.upstream.broadcast(toShape: sourceShape)]
    }
  }

  /// Repeats this variable to `shape`, whose trailing axes hold this variable's elements (or
  /// which this single-element variable fills).
  public func broadcast(toShape shape: [Int]) -> Variable {
    if self.shape == shape { return self }
    let target = Tensor.elementCount(shape)
    precondition(value.count > 0 && target % value.count == 0, "Cannot broadcast \(self.shape) to \(shape)")
    let rows = target / value.count
    let result = value.reshaped([value.count]).expanded(insertingAxis: 0, extent: rows).reshaped(shape)
    let sourceShape = self.shape
    return Variable.record(result, name: "broadcast", inputs: [self]) { context in
      [context.upstream.summed(toShape: sourceShape)]
    }
  }
}

// MARK: - Binary arithmetic (broadcasting as Tensor.broadcastShape)

extension Variable {
  /// Elementwise sum.
  public static func + (lhs: Variable, rhs: Variable) -> Variable {
    Variable.record(lhs.value + rhs.value, name: "add", inputs: [lhs, rhs]) { context in
      let g = context.upstream
      return [
        context.needs(0) ? g.summed(toShape: lhs.shape) : nil,
        context.needs(1) ? g.summed(toShape: rhs.shape) : nil,
      ]
    }
  }

  /// Elementwise difference.
  public static func - (lhs: Variable, rhs: Variable) -> Variable {
    Variable.record(lhs.value - rhs.value, name: "subtract", inputs: [lhs, rhs]) { context in
      let g = context.upstream
      return [
        context.needs(0) ? g.summed(toShape: lhs.shape) : nil,
        context.needs(1) ? (-g).summed(toShape: rhs.shape) : nil,
      ]
    }
  }

  /// Elementwise product.
  public static func * (lhs: Variable, rhs: Variable) -> Variable {
    Variable.record(lhs.value * rhs.value, name: "multiply", inputs: [lhs, rhs]) { context in
      let g = context.upstream
      let (a, b) = (context.inputs[0], context.inputs[1])
      return [
        context.needs(0) ? (g * b).summed(toShape: a.shape) : nil,
        context.needs(1) ? (g * a).summed(toShape: b.shape) : nil,
      ]
    }
  }

  /// Elementwise quotient.
  public static func / (lhs: Variable, rhs: Variable) -> Variable {
    Variable.record(lhs.value / rhs.value, name: "divide", inputs: [lhs, rhs]) { context in
      let g = context.upstream
      let (a, b) = (context.inputs[0], context.inputs[1])
      return [
        context.needs(0) ? (g / b).summed(toShape: a.shape) : nil,
        context.needs(1) ? (-(g * context.output) / b).summed(toShape: b.shape) : nil,
      ]
    }
  }

  /// Elementwise negation.
  public static prefix func - (operand: Variable) -> Variable {
    Variable.record(-operand.value, name: "negate", inputs: [operand]) { context in
      [-context.upstream]
    }
  }

  /// Every element times a constant.
  public static func * (lhs: Variable, rhs: Float) -> Variable {
    Variable.record(lhs.value * rhs, name: "scale", inputs: [lhs]) { context in
      [context.upstream * rhs]
    }
  }

  /// Every element times a constant.
  public static func * (lhs: Float, rhs: Variable) -> Variable { rhs * lhs }

  /// Every element divided by a constant.
  public static func / (lhs: Variable, rhs: Float) -> Variable { lhs * (1 / rhs) }

  /// Every element plus a constant.
  public static func + (lhs: Variable, rhs: Float) -> Variable {
    Variable.record(lhs.value + rhs, name: "addScalar", inputs: [lhs]) { context in
      [context.upstream]
    }
  }

  /// Every element minus a constant.
  public static func - (lhs: Variable, rhs: Float) -> Variable { lhs + (-rhs) }

  /// A constant minus every element.
  public static func - (lhs: Float, rhs: Variable) -> Variable { (-rhs) + lhs }
}
