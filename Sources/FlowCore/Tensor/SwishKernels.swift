/// Fused kernels for the swish family h(x; β) = x·σ(βx) and its derivatives, the core of LipSwish
/// (Chen et al. 2019, §4: LipSwish(x) = h(x; softplus(β̃)) / 1.1).
///
/// With u = βx and s = σ(u), the derivatives of the sigmoid are polynomials in s:
/// σ′ = s(1−s), σ″ = σ′(1−2s), σ‴ = σ′(1−6s+6s²), σ⁗ = σ′(1−2s)(1−12s+12s²),
/// σ⁽⁵⁾ = σ′(1−30s+150s²−240s³+120s⁴). Writing
/// φ₀ = u·s and φₙ = n·σ⁽ⁿ⁻¹⁾ + u·σ⁽ⁿ⁾ (n ≥ 1), one has φₙ′ = φₙ₊₁ and
///
///     ∂ⁿh/∂xⁿ   = βⁿ⁻¹ · φₙ(u)
///     ∂/∂β ∂ⁿh/∂xⁿ = βⁿ⁻² · [(n − 1)·φₙ(u) + u·φₙ₊₁(u)]
///
/// Every kernel computes `scale · w ⊙ (one of these)` in a single pass, where the optional
/// multiplier w is the upstream vector of a vector-Jacobian product.
public enum SwishKernels {
  /// The highest derivative order in x that the kernels evaluate.
  public static let maximumOrder = 4

  /// Elements per partial sum of the β-gradient. Fixed, so that the order of the sum does not
  /// depend on the thread count.
  static let sumBlock = 4096

  /// s = σ(β·x), computed once per input storage and β and then reused (see
  /// `TensorStorage.sigmoidCache`).
  static func sigmoidValues(of input: Tensor, slope: Float) -> Tensor {
    let cached = input.storage.sigmoidCache.withLock { cache in cache?.slopeBits == slope.bitPattern ? cache?.values : nil }
    if let cached { return cached }
    let values = input.map(ScaledSigmoid(slope: Vector8(repeating: slope)))
    input.storage.sigmoidCache.withLock { $0 = TensorStorage.SigmoidCache(slopeBits: slope.bitPattern, values: values) }
    return values
  }

  /// σ(β·x).
  struct ScaledSigmoid: VectorFunction {
    let slope: Vector8
    @inline(__always) func callAsFunction(_ x: Vector8) -> Vector8 { vectorSigmoid(x * slope) }
  }

  /// ∂ⁿh/∂xⁿ from x and s = σ(βx).
  @inline(__always)
  static func derivative(_ order: Int, _ x: Vector8, sigmoid s: Vector8, slope: Float) -> Vector8 {
    if order == 0 { return x * s }
    return phi(order, x * slope, s) * power(slope, order - 1)
  }

  /// ∂/∂β ∂ⁿh/∂xⁿ from x and s = σ(βx).
  @inline(__always)
  static func slopeDerivative(_ order: Int, _ x: Vector8, sigmoid s: Vector8, slope: Float) -> Vector8 {
    let u = x * slope
    if order == 0 { return x * x * sigmoidDerivative(1, s) }
    let bracket = Vector8(repeating: Float(order - 1)) * phi(order, u, s) + u * phi(order + 1, u, s)
    return bracket * power(slope, order - 2)
  }

  /// σ⁽ᵏ⁾(u) for k = 0...5, from s = σ(u).
  @inline(__always)
  static func sigmoidDerivative(_ k: Int, _ s: Vector8) -> Vector8 {
    let one = Vector8(repeating: 1)
    let first = s * (one - s)
    switch k {
    case 0: return s
    case 1: return first
    case 2: return first * (one - 2 * s)
    case 3: return first * (one - 6 * s + 6 * s * s)
    case 4: return first * (one - 2 * s) * (one - 12 * s + 12 * s * s)
    default:
      let polynomial = 120 * s - 240
      return first * (one + s * (-30 + s * (150 + s * polynomial)))
    }
  }

  /// φₖ(u) for k = 0...5.
  @inline(__always)
  static func phi(_ k: Int, _ u: Vector8, _ s: Vector8) -> Vector8 {
    if k == 0 { return u * s }
    return Vector8(repeating: Float(k)) * sigmoidDerivative(k - 1, s) + u * sigmoidDerivative(k, s)
  }

  /// base^exponent for any integer exponent (the kernels need −2...4).
  @inline(__always)
  static func power(_ base: Float, _ exponent: Int) -> Float {
    var result: Float = 1
    for _ in 0..<abs(exponent) { result *= base }
    return exponent < 0 ? 1 / result : result
  }

  /// `scale · w ⊙ ∂ⁿh/∂xⁿ(x; β)`, with w = 1 when `multiplier` is nil.
  public static func derivative(
    order: Int, input: Tensor, slope: Float, scale: Float, multiplier: Tensor?
  ) -> Tensor {
    precondition(order >= 0 && order <= maximumOrder, "Swish derivative order \(order) not in 0...\(maximumOrder)")
    return evaluate(input, slope: slope, multiplier: multiplier, FromSigmoid(order: order, slope: slope, factor: Vector8(repeating: scale), kind: .value))
  }

  /// `scale · w ⊙ ∂/∂β ∂ⁿh/∂xⁿ(x; β)`, with w = 1 when `multiplier` is nil.
  public static func slopeDerivative(
    order: Int, input: Tensor, slope: Float, scale: Float, multiplier: Tensor?
  ) -> Tensor {
    precondition(order >= 0 && order <= maximumOrder, "Swish slope derivative order \(order) not in 0...\(maximumOrder)")
    return evaluate(input, slope: slope, multiplier: multiplier, FromSigmoid(order: order, slope: slope, factor: Vector8(repeating: scale), kind: .slope))
  }

  /// Which derivative a kernel evaluates.
  enum DerivativeKind { case value, slope }

  /// factor · (∂ⁿh/∂xⁿ or ∂_β∂ⁿh/∂xⁿ) from x and s = σ(βx).
  struct FromSigmoid: BinaryVectorFunction {
    let order: Int
    let slope: Float
    let factor: Vector8
    let kind: DerivativeKind
    @inline(__always) func callAsFunction(_ x: Vector8, _ s: Vector8) -> Vector8 {
      switch kind {
      case .value: return SwishKernels.derivative(order, x, sigmoid: s, slope: slope) * factor
      case .slope: return SwishKernels.slopeDerivative(order, x, sigmoid: s, slope: slope) * factor
      }
    }
  }

  /// f(x, σ(βx)), times w when a multiplier is given, in one pass over x, s (and w).
  static func evaluate(_ input: Tensor, slope: Float, multiplier: Tensor?, _ function: FromSigmoid) -> Tensor {
    let sigmoid = sigmoidValues(of: input, slope: slope)
    guard let multiplier else { return Tensor.zip(input, sigmoid, shape: input.shape, function) }
    precondition(multiplier.count == input.count, "Multiplier \(multiplier.shape) does not match input \(input.shape)")
    let result = Tensor(uninitializedShape: input.shape)
    let (x, s, w, target) = (UnsafePointer(input.pointer), UnsafePointer(sigmoid.pointer), UnsafePointer(multiplier.pointer), result.pointer)
    Parallelism.forEachChunk(count: input.count) { range in
      var offset = range.lowerBound
      while offset < range.upperBound {
        let lanes = min(8, range.upperBound - offset)
        store8(load8(w, offset, lanes) * function(load8(x, offset, lanes), load8(s, offset, lanes)), target, offset, lanes)
        offset += 8
      }
    }
    return result
  }

  /// The three first-order gradients of y = scale · w ⊙ ∂ⁿh/∂xⁿ(x; β) for upstream g, in one pass:
  /// ∂/∂w = scale·g·h⁽ⁿ⁾, ∂/∂x = scale·g·w·h⁽ⁿ⁺¹⁾, ∂/∂β = Σ scale·g·w·∂_β h⁽ⁿ⁾.
  /// A nil multiplier stands for w = 1 (and gets no gradient). Only the gradients in `selection`
  /// are computed; the others are nil.
  public static func gradients(
    order: Int, input: Tensor, slope: Float, scale: Float, multiplier: Tensor?, upstream: Tensor,
    selection: SwishGradientSelection
  ) -> (multiplier: Tensor?, input: Tensor?, slope: Float?) {
    precondition(order >= 0 && order <= maximumOrder, "Swish gradient of order \(order) unsupported")
    let selection = multiplier == nil ? selection.subtracting(.multiplier) : selection
    switch order {
    case 0: return gradients(0, input, slope, scale, multiplier, upstream, selection)
    case 1: return gradients(1, input, slope, scale, multiplier, upstream, selection)
    case 2: return gradients(2, input, slope, scale, multiplier, upstream, selection)
    case 3: return gradients(3, input, slope, scale, multiplier, upstream, selection)
    default: return gradients(4, input, slope, scale, multiplier, upstream, selection)
    }
  }

  /// The body of ``gradients(order:input:slope:scale:multiplier:upstream:selection:)``,
  /// inlined for each constant order.
  @inline(__always)
  static func gradients(
    _ order: Int, _ input: Tensor, _ slope: Float, _ scale: Float, _ multiplier: Tensor?,
    _ upstream: Tensor, _ selection: SwishGradientSelection
  ) -> (multiplier: Tensor?, input: Tensor?, slope: Float?) {
    let wantsSlope = selection.contains(.slope)
    let count = input.count
    let multiplierGradient = selection.contains(.multiplier) ? Tensor(uninitializedShape: input.shape) : nil
    let inputGradient = selection.contains(.input) ? Tensor(uninitializedShape: input.shape) : nil
    let blocks = (count + sumBlock - 1) / sumBlock
    let partialSums = UnsafeMutablePointer<Float>.allocate(capacity: max(blocks, 1))
    defer { partialSums.deallocate() }
    let sigmoid = sigmoidValues(of: input, slope: slope)
    let sigmoidPointer = UnsafePointer(sigmoid.pointer)
    let x = UnsafePointer(input.pointer)
    let g = UnsafePointer(upstream.pointer)
    let w = multiplier.map { UnsafePointer($0.pointer) }
    let factor = Vector8(repeating: scale)
    let slopeVector = Vector8(repeating: slope)
    let valuePower = power(slope, order - 1)
    let nextPower = power(slope, order)
    let slopePower = power(slope, order - 2)
    Parallelism.forEachChunk(count: blocks, minimumParallelCount: 16, alignment: 1) { blockRange in
      for block in blockRange {
        var accumulator = Vector8()
        var offset = block * sumBlock
        let end = min(count, offset + sumBlock)
        while offset < end {
          let lanes = min(8, end - offset)
          let xv = load8(x, offset, lanes)
          let gv = load8(g, offset, lanes) * factor
          let u = xv * slopeVector
          let s = load8(sigmoidPointer, offset, lanes)
          if let multiplierGradient {
            let value = order == 0 ? xv * s : phi(order, u, s) * valuePower
            store8(gv * value, multiplierGradient.pointer, offset, lanes)
          }
          let gw = w.map { gv * load8($0, offset, lanes) } ?? gv
          if let inputGradient {
            store8(gw * phi(order + 1, u, s) * nextPower, inputGradient.pointer, offset, lanes)
          }
          if wantsSlope {
            let slopeValue: Vector8
            if order == 0 {
              slopeValue = xv * xv * sigmoidDerivative(1, s)
            } else {
              slopeValue = (Vector8(repeating: Float(order - 1)) * phi(order, u, s) + u * phi(order + 1, u, s)) * slopePower
            }
            accumulator = accumulator.addingProduct(gw, slopeValue)
          }
          offset += 8
        }
        partialSums[block] = accumulator.sum()
      }
    }
    var slopeGradient: Float? = nil
    if wantsSlope {
      var total: Float = 0
      for block in 0..<blocks { total += partialSums[block] }
      slopeGradient = total
    }
    return (multiplierGradient, inputGradient, slopeGradient)
  }
}
