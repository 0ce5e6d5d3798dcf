// MARK: - Elementwise functions

extension Variable {
  /// e^x.
  public func exp() -> Variable {
    Variable.record(value.exp(), name: "exp", inputs: [self]) { context in
      [context.upstream * context.output]
    }
  }

  /// The natural logarithm.
  public func log() -> Variable {
    Variable.record(value.log(), name: "log", inputs: [self]) { context in
      [context.upstream / context.inputs[0]]
    }
  }

  /// σ(x) = 1 / (1 + e^−x); σ′ = σ(1 − σ).
  public func sigmoid() -> Variable {
    Variable.record(value.sigmoid(), name: "sigmoid", inputs: [self]) { context in
      let s = context.output
      return [context.upstream * (s * (1 - s))]
    }
  }

  /// softplus(x) = log(1 + e^x); softplus′ = σ.
  public func softplus() -> Variable {
    Variable.record(value.softplus(), name: "softplus", inputs: [self]) { context in
      [context.upstream * context.inputs[0].sigmoid()]
    }
  }

  /// √x; its derivative is 1 / (2√x).
  public func squareRoot() -> Variable {
    Variable.record(value.squareRoot(), name: "squareRoot", inputs: [self]) { context in
      [context.upstream / (context.output * 2)]
    }
  }

  /// x².
  public func squared() -> Variable {
    Variable.record(value.squared(), name: "square", inputs: [self]) { context in
      [context.upstream * context.inputs[0] * 2]
    }
  }
}
