// MARK: - The swish family and LipSwish (Chen et al. 2019, §4)

extension Variable {
  /// `scale · w ⊙ ∂ⁿh/∂xⁿ(x; β)` for h(x; β) = x·σ(βx), with w = 1 when `multiplier` is nil.
  ///
  /// `slope` is β, a one-element variable (β > 0). Order 0 with no multiplier is the activation
  /// itself; order n with the upstream vector as multiplier is the backward pass of order n − 1.
  /// Differentiable in x, w and β; derivatives in x exist up to order ``SwishKernels/maximumOrder``.
  public static func swish(
    order: Int, _ input: Variable, slope: Variable, scale: Float = 1, multiplier: Variable? = nil
  ) -> Variable {
    precondition(slope.value.count == 1, "Swish slope must have one element, got \(slope.shape)")
    let value = SwishKernels.derivative(
      order: order, input: input.value, slope: slope.value.scalar, scale: scale,
      multiplier: multiplier?.value)
    let inputs = [input, slope] + (multiplier.map { [$0] } ?? [])
    return Variable.record(value, name: "swish", inputs: inputs) { context in
      let (x, b, g) = (context.inputs[0], context.inputs[1], context.upstream)
      let w: Variable? = context.inputs.count == 3 ? context.inputs[2] : nil
      switch context.mode {
      case .firstOrder:
        var selection: SwishGradientSelection = []
        if context.needs(0) { selection.insert(.input) }
        if context.needs(1) { selection.insert(.slope) }
        if w != nil && context.needs(2) { selection.insert(.multiplier) }
        let destinations = context.swishDestinations(for: selection)
        let gradients = SwishKernels.gradients(
          order: order, input: x.value, slope: b.value.scalar, scale: scale, multiplier: w?.value,
          upstream: g.value, selection: selection, inputDestination: destinations.input, multiplierDestination: destinations.multiplier)
        var result: [Variable?] = [
          gradients.input.map { Variable($0) },
          gradients.slope.map { Variable(Tensor(shape: b.shape, scalars: [$0])) },
        ]
        if w != nil { result.append(gradients.multiplier.map { Variable($0) }) }
        return result
      case .differentiable:
        let gw = w.map { g * $0 } ?? g
        var result: [Variable?] = [
          context.needs(0) ? swish(order: order + 1, x, slope: b, scale: scale, multiplier: gw) : nil,
          context.needs(1)
            ? swishSlope(order: order, x, slope: b, scale: scale, multiplier: gw).sum().reshaped(b.shape)
            : nil,
        ]
        if w != nil {
          result.append(context.needs(2) ? swish(order: order, x, slope: b, scale: scale, multiplier: g) : nil)
        }
        return result
      }
    }
  }

  /// `scale · w ⊙ ∂/∂β ∂ⁿh/∂xⁿ(x; β)`: the β-gradient of ``swish(order:_:slope:scale:multiplier:)``.
  ///
  /// Differentiable in x and w (∂_x ∂_β h⁽ⁿ⁾ = ∂_β h⁽ⁿ⁺¹⁾). A second derivative in β is not
  /// implemented and stops with a precondition failure.
  public static func swishSlope(
    order: Int, _ input: Variable, slope: Variable, scale: Float = 1, multiplier: Variable? = nil
  ) -> Variable {
    let value = SwishKernels.slopeDerivative(
      order: order, input: input.value, slope: slope.value.scalar, scale: scale,
      multiplier: multiplier?.value)
    let inputs = [input, slope] + (multiplier.map { [$0] } ?? [])
    return Variable.record(value, name: "swishSlope", inputs: inputs) { context in
      let (x, b, g) = (context.inputs[0], context.inputs[1], context.upstream)
      let w: Variable? = context.inputs.count == 3 ? context.inputs[2] : nil
      precondition(
        !context.needs(1),
        "The second derivative of swish with respect to its slope β is not implemented")
      let gw = w.map { g * $0 } ?? g
      var result: [Variable?] = [
        context.needs(0) ? swishSlope(order: order + 1, x, slope: b, scale: scale, multiplier: gw) : nil,
        nil,
      ]
      if w != nil {
        result.append(context.needs(2) ? swishSlope(order: order, x, slope: b, scale: scale, multiplier: g) : nil)
      }
      return result
    }
  }

  /// LipSwish(x) = x·σ(βx) / 1.1 with β = softplus(`rawSlope`) (Chen et al. 2019, Eq. 12); its
  /// Lipschitz constant is at most 1 for every β.
  public func lipSwish(rawSlope: Variable) -> Variable {
    Variable.swish(order: 0, self, slope: rawSlope.softplus(), scale: LipSwish.scale)
  }

  /// The `order`-th derivative of LipSwish in x, elementwise (order 1 and 2 are what
  /// log-determinant estimators and their gradients need).
  public func lipSwishDerivative(order: Int, rawSlope: Variable) -> Variable {
    Variable.swish(order: order, self, slope: rawSlope.softplus(), scale: LipSwish.scale)
  }
}

/// Constants of LipSwish.
public enum LipSwish {
  /// 1/1.1: max_x ∂/∂x [x·σ(βx)] = 1.0998 for every β > 0, so dividing by 1.1 makes it 1-Lipschitz.
  public static let scale: Float = 1 / 1.1
  /// The raw slope's initial value, 0.5 (β = softplus(0.5) ≈ 0.974), as in residual-flows.
  public static let initialRawSlope: Float = 0.5
}

extension BackwardContext {
  /// Where the swish rule sends ∂/∂x (input 0) and ∂/∂w (input 2) in first-order mode: each is
  /// added into the gradient its input already holds when the pass alone holds that; otherwise
  /// the first that needs a tensor is written over the upstream when the pass alone holds it
  /// (both are computed from the upstream element by element in one loop); otherwise a fresh
  /// tensor.
  fileprivate func swishDestinations(
    for selection: SwishGradientSelection
  ) -> (input: SwishKernels.GradientDestination, multiplier: SwishKernels.GradientDestination) {
    var upstream = reusableUpstream
    func destination(_ index: Int) -> SwishKernels.GradientDestination {
      if let accumulated = accumulator(index) { return .addedInto(accumulated) }
      guard let buffer = upstream else { return .freshTensor }
      upstream = nil
      return .writtenOver(buffer)
    }
    let input = selection.contains(.input) ? destination(0) : .freshTensor
    let multiplier = selection.contains(.multiplier) ? destination(2) : .freshTensor
    return (input, multiplier)
  }
}
