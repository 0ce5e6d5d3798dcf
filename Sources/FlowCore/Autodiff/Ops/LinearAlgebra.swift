// MARK: - Matrix products and fully connected layers

extension Variable {
  /// op(a)·op(b) for rank-2 variables.
  ///
  /// With C = A·B the gradients are ∂A = G·Bᵀ and ∂B = Aᵀ·G; the transposed cases follow by
  /// transposing these identities.
  public static func matrixProduct(
    _ a: Variable, _ b: Variable, transposeA: Transposition = .none,
    transposeB: Transposition = .none
  ) -> Variable {
    let value = Tensor.matrixProduct(a.value, b.value, transposeA: transposeA, transposeB: transposeB)
    return Variable.record(value, name: "matrixProduct", inputs: [a, b]) { context in
      let gradients = productGradients(context, upstream: context.upstream, a: 0, b: 1, transposeA: transposeA, transposeB: transposeB)
      return [gradients.a, gradients.b]
    }
  }

  /// s + op(a)·op(b) as one operation, for a product of one depth block
  /// (``Gemm/accumulatesExactly(depth:)``: each element's sum of products is formed whole, then
  /// added to s once): the bits of `s + matrixProduct(a, b)`, shaped like s, without the product
  /// tensor and the pass of the sum. A differentiable backward pass forms it where a product's
  /// gradient meets the gradient its input already holds (``BackwardContext/gradient(_:product:_:transposeA:transposeB:shape:)``).
  /// Inputs s, a, b: the order in which a sum `s + product` visits them.
  /// With `storage` ``AccumulatedSum/Storage/heldAlone`` the sum is written over s's storage
  /// (the same bits: the product starts from what is there instead of from a copy), and s's value
  /// is the sum's from then on, which nothing reads.
  static func matrixProduct(
    _ a: Variable, _ b: Variable, transposeA: Transposition = .none, transposeB: Transposition = .none, adding s: Variable,
    storage: AccumulatedSum.Storage = .shared
  ) -> Variable {
    let productShape = Variable.productShape(a, b, transposeA: transposeA, transposeB: transposeB)
    let value: Tensor
    switch storage {
    case .shared:
      value = Tensor.matrixProduct(a.value, b.value, transposeA: transposeA, transposeB: transposeB, adding: s.value).reshaped(s.shape)
    case .heldAlone:
      Tensor.addMatrixProduct(a.value, b.value, transposeA: transposeA, transposeB: transposeB, into: s.value)
      value = s.value
    }
    return Variable.record(value, name: "matrixProductAdding", inputs: [s, a, b], valueUse: .notReadByBackward) { context in
      let upstream = context.upstream.reshaped(productShape)
      let gradients = productGradients(context, upstream: upstream, a: 1, b: 2, transposeA: transposeA, transposeB: transposeB)
      return [context.needs(0) ? context.upstream : nil, gradients.a, gradients.b]
    }
  }

  /// The shape `[m, n]` of op(a)·op(b).
  static func productShape(_ a: Variable, _ b: Variable, transposeA: Transposition, transposeB: Transposition) -> [Int] {
    [transposeA == .none ? a.shape[0] : a.shape[1], transposeB == .none ? b.shape[1] : b.shape[0]]
  }

  /// The gradients of op(a)·op(b) for upstream g (`[m, n]`), a and b being inputs `aIndex` and
  /// `bIndex` of the context: ∂A = G·Bᵀ and ∂B = Aᵀ·G, transposed as the product is.
  private static func productGradients(
    _ context: BackwardContext, upstream g: Variable, a aIndex: Int, b bIndex: Int, transposeA: Transposition, transposeB: Transposition
  ) -> (a: Variable?, b: Variable?) {
    let (a, b) = (context.inputs[aIndex], context.inputs[bIndex])
    var gradientA: Variable? = nil
    var gradientB: Variable? = nil
    switch (transposeA, transposeB) {
    case (.none, .none):
      if context.needs(aIndex) { gradientA = context.gradient(aIndex, product: g, b, transposeB: .transposed) }
      if context.needs(bIndex) { gradientB = context.gradient(bIndex, product: a, g, transposeA: .transposed) }
    case (.none, .transposed):
      if context.needs(aIndex) { gradientA = context.gradient(aIndex, product: g, b) }
      if context.needs(bIndex) { gradientB = context.gradient(bIndex, product: g, a, transposeA: .transposed) }
    case (.transposed, .none):
      if context.needs(aIndex) { gradientA = context.gradient(aIndex, product: b, g, transposeB: .transposed) }
      if context.needs(bIndex) { gradientB = context.gradient(bIndex, product: a, g) }
    case (.transposed, .transposed):
      if context.needs(aIndex) { gradientA = context.gradient(aIndex, product: b, g, transposeA: .transposed, transposeB: .transposed) }
      if context.needs(bIndex) { gradientB = context.gradient(bIndex, product: g, a, transposeA: .transposed, transposeB: .transposed) }
    }
    return (gradientA, gradientB)
  }

  /// A fully connected layer on the last axis: `x [..., in] · Wᵀ + b → [..., out]`, with W
  /// `[out, in]` and an optional bias `[out]`.
  public static func affine(_ input: Variable, weight: Variable, bias: Variable? = nil) -> Variable {
    let value = Tensor.affine(input.value, weight: weight.value, bias: bias?.value)
    let inputShape = input.shape
    let (outputs, inputs) = (weight.shape[0], weight.shape[1])
    let rows = input.value.rowCount
    return Variable.record(value, name: "affine", inputs: [input, weight] + (bias.map { [$0] } ?? [])) { context in
      let g = context.upstream.reshaped([rows, outputs])
      let x = context.inputs[0].reshaped([rows, inputs])
      let w = context.inputs[1]
      var gradients: [Variable?] = [
        context.needs(0) ? context.gradient(0, product: g, w, shape: inputShape) : nil,
        context.needs(1) ? context.gradient(1, product: g, x, transposeA: .transposed) : nil,
      ]
      if context.inputs.count == 3 {
        gradients.append(context.needs(2) ? g.sum(alongAxis: 0) : nil)
      }
      return gradients
    }
  }
}

// MARK: - Convolutions (channels last, stride 1, zero padding)

extension Variable {
  /// y = x ⋆ W: `[N, H, W, C] ⋆ [O, kh, kw, C] → [N, H', W', O]` (see ``Convolution``).
  public static func convolution(_ input: Variable, weight: Variable, padding: Int) -> Variable {
    let kernel = (weight.shape[1], weight.shape[2])
    let value = Convolution.forward(input.value, weight: weight.value, padding: padding)
    return Variable.record(value, name: "convolution", inputs: [input, weight]) { context in
      let (x, w, g) = (context.inputs[0], context.inputs[1], context.upstream)
      return [
        context.needs(0) ? transposedConvolution(g, weight: w, padding: padding) : nil,
        context.needs(1)
          ? convolutionWeightGradient(input: x, outputGradient: g, kernelHeight: kernel.0, kernelWidth: kernel.1, padding: padding)
          : nil,
      ]
    }
  }

  /// The adjoint of ``convolution(_:weight:padding:)`` in its input: `[N, H', W', O] → [N, H, W, C]`.
  public static func transposedConvolution(_ output: Variable, weight: Variable, padding: Int) -> Variable {
    let kernel = (weight.shape[1], weight.shape[2])
    let value = Convolution.transposed(output.value, weight: weight.value, padding: padding)
    return Variable.record(value, name: "transposedConvolution", inputs: [output, weight]) { context in
      let (y, w, g) = (context.inputs[0], context.inputs[1], context.upstream)
      // ⟨g, convᵀ(y, W)⟩ = ⟨conv(g, W), y⟩.
      return [
        context.needs(0) ? convolution(g, weight: w, padding: padding) : nil,
        context.needs(1)
          ? convolutionWeightGradient(input: g, outputGradient: y, kernelHeight: kernel.0, kernelWidth: kernel.1, padding: padding)
          : nil,
      ]
    }
  }

  /// ∂⟨x ⋆ W, g⟩/∂W, `[O, kh, kw, C]`: bilinear in x and g, and differentiable in both
  /// (⟨G, ∂W⟩ = ⟨x ⋆ G, g⟩).
  public static func convolutionWeightGradient(
    input: Variable, outputGradient: Variable, kernelHeight: Int, kernelWidth: Int, padding: Int
  ) -> Variable {
    let value = Convolution.weightGradient(
      input: input.value, outputGradient: outputGradient.value, kernelHeight: kernelHeight,
      kernelWidth: kernelWidth, padding: padding)
    return Variable.record(value, name: "convolutionWeightGradient", inputs: [input, outputGradient]) { context in
      let (x, g, upstream) = (context.inputs[0], context.inputs[1], context.upstream)
      return [
        context.needs(0) ? transposedConvolution(g, weight: upstream, padding: padding) : nil,
        context.needs(1) ? convolution(x, weight: upstream, padding: padding) : nil,
      ]
    }
  }
}
