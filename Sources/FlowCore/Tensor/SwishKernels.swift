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
    if let cached = cachedSigmoidValues(of: input, slope: slope) { return cached }
    let values = input.map(ScaledSigmoid(slope: Vector8(repeating: slope)))
    cacheSigmoidValues(values, of: input, slope: slope)
    return values
  }

  /// σ(β·x) when it was computed before for this storage and β.
  static func cachedSigmoidValues(of input: Tensor, slope: Float) -> Tensor? {
    input.storage.sigmoidCache.withLock { cache in cache?.slopeBits == slope.bitPattern ? cache?.values : nil }
  }

  /// Keeps `values` = σ(β·x) with the input's storage for later kernels.
  static func cacheSigmoidValues(_ values: Tensor, of input: Tensor, slope: Float) {
    input.storage.sigmoidCache.withLock { $0 = TensorStorage.SigmoidCache(slopeBits: slope.bitPattern, values: values) }
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
  struct FromSigmoid {
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
  ///
  /// The order and kind are dispatched once per chunk (`ValuePass.run` is specialised for each
  /// ``SwishOrder``), not per vector: inside the loop they are constants and the polynomials fold.
  ///
  /// When σ(βx) is not cached yet (the forward pass of an activation), the same pass computes it,
  /// writes it to a new tensor and caches that: one pass over x instead of two.
  static func evaluate(_ input: Tensor, slope: Float, multiplier: Tensor?, _ function: FromSigmoid) -> Tensor {
    let cached = cachedSigmoidValues(of: input, slope: slope)
    let sigmoid = cached ?? Tensor(uninitializedShape: input.shape)
    if let multiplier {
      precondition(multiplier.count == input.count, "Multiplier \(multiplier.shape) does not match input \(input.shape)")
    }
    let result = Tensor(uninitializedShape: input.shape)
    let pass = ValuePass(
      x: UnsafePointer(input.pointer), s: sigmoid.pointer, sigmoidSource: cached == nil ? .computed : .stored,
      w: multiplier.map { UnsafePointer($0.pointer) }, target: result.pointer,
      slope: function.slope, factor: function.factor)
    // The pointers must outlive the loop: keep the tensors they point into (σ is also held by
    // the input's cache, but that is not this function's guarantee to rely on).
    withExtendedLifetime((input, sigmoid, multiplier)) {
      Parallelism.forEachChunk(count: input.count) { range in
        switch function.order {
        case 0: pass.run(SwishOrder0.self, function.kind, range)
        case 1: pass.run(SwishOrder1.self, function.kind, range)
        case 2: pass.run(SwishOrder2.self, function.kind, range)
        case 3: pass.run(SwishOrder3.self, function.kind, range)
        default: pass.run(SwishOrder4.self, function.kind, range)
        }
      }
    }
    if cached == nil { cacheSigmoidValues(sigmoid, of: input, slope: slope) }
    return result
  }

  /// Whether a ``ValuePass`` reads σ(βx) or computes and writes it.
  enum SigmoidSource {
    /// Read from the cached tensor.
    case stored
    /// Computed from x as ``sigmoidValues(of:slope:)`` computes it (the same bits) and written.
    case computed
  }

  /// The pointers and constants of one ``evaluate(_:slope:multiplier:_:)`` pass.
  struct ValuePass {
    let x: UnsafePointer<Float>
    /// σ(βx), read or written as `sigmoidSource` says.
    let s: UnsafeMutablePointer<Float>
    let sigmoidSource: SigmoidSource
    let w: UnsafePointer<Float>?
    let target: UnsafeMutablePointer<Float>
    let slope: Float
    let factor: Vector8

    /// Writes (w ⊙) factor · (∂ⁿh/∂xⁿ or ∂_β∂ⁿh/∂xⁿ) for the elements in `range`, n = `Order.value`.
    func run<Order: SwishOrder>(_: Order.Type, _ kind: DerivativeKind, _ range: Range<Int>) {
      switch kind {
      case .value: run(FromSigmoid(order: Order.value, slope: slope, factor: factor, kind: .value), range)
      case .slope: run(FromSigmoid(order: Order.value, slope: slope, factor: factor, kind: .slope), range)
      }
    }

    @inline(__always)
    func run(_ function: FromSigmoid, _ range: Range<Int>) {
      // One loop per source, so that the choice is made once and not per vector.
      switch sigmoidSource {
      case .stored: run(function, range, .stored)
      case .computed: run(function, range, .computed)
      }
    }

    @inline(__always)
    func run(_ function: FromSigmoid, _ range: Range<Int>, _ source: SigmoidSource) {
      var offset = range.lowerBound
      while offset + 8 <= range.upperBound {
        step(function, offset, 8, source)
        offset += 8
      }
      if offset < range.upperBound { step(function, offset, range.upperBound - offset, source) }
    }

    @inline(__always)
    func step(_ function: FromSigmoid, _ offset: Int, _ lanes: Int, _ source: SigmoidSource) {
      let xv = load8(x, offset, lanes)
      let sigmoid: Vector8
      switch source {
      case .stored:
        sigmoid = load8(UnsafePointer(s), offset, lanes)
      case .computed:
        sigmoid = ScaledSigmoid(slope: Vector8(repeating: slope))(xv)
        store8(sigmoid, s, offset, lanes)
      }
      let value = function(xv, sigmoid)
      store8(w.map { load8($0, offset, lanes) * value } ?? value, target, offset, lanes)
    }
  }

  /// The three first-order gradients of y = scale · w ⊙ ∂ⁿh/∂xⁿ(x; β) for upstream g, in one pass:
  /// ∂/∂w = scale·g·h⁽ⁿ⁾, ∂/∂x = scale·g·w·h⁽ⁿ⁺¹⁾, ∂/∂β = Σ scale·g·w·∂_β h⁽ⁿ⁾.
  /// A nil multiplier stands for w = 1 (and gets no gradient). Only the gradients in `selection`
  /// are computed; the others are nil.
  ///
  /// The β-sum adds fixed blocks of ``sumBlock`` elements in order, whatever the thread count.
  /// The order is dispatched once per block (`GradientPass.run` is specialised for each ``SwishOrder``).
  public static func gradients(
    order: Int, input: Tensor, slope: Float, scale: Float, multiplier: Tensor?, upstream: Tensor,
    selection: SwishGradientSelection
  ) -> (multiplier: Tensor?, input: Tensor?, slope: Float?) {
    gradients(
      order: order, input: input, slope: slope, scale: scale, multiplier: multiplier, upstream: upstream,
      selection: selection, inputDestination: .freshTensor, multiplierDestination: .freshTensor)
  }

  /// Where a gradient of ``gradients(order:input:slope:scale:multiplier:upstream:selection:inputDestination:multiplierDestination:)`` goes.
  enum GradientDestination {
    /// A new tensor.
    case freshTensor
    /// Added in place into this tensor shaped like x, which the caller alone holds
    /// (``GradientAccumulator``; each value rounded before the sum).
    case addedInto(Tensor)
    /// Written over this tensor with as many elements as x, which the caller alone holds: the
    /// upstream itself (``BackwardContext/reusableUpstream``); every element of it is read before
    /// the same element is written. At most one of the two gradients is written over it.
    case writtenOver(Tensor)

    /// The tensor the gradient goes to (shaped like `input`), and whether it is added into it.
    func target(shapedLike input: Tensor, _ name: String) -> (tensor: Tensor, adds: Bool) {
      switch self {
      case .freshTensor:
        return (Tensor(uninitializedShape: input.shape), false)
      case .addedInto(let accumulator):
        precondition(accumulator.count == input.count, "Swish \(name) gradient added into \(accumulator.shape), input \(input.shape)")
        return (accumulator, true)
      case .writtenOver(let buffer):
        precondition(buffer.count == input.count, "Swish \(name) gradient written over \(buffer.shape), input \(input.shape)")
        return (buffer.reshaped(input.shape), false)
      }
    }
  }

  /// ``gradients(order:input:slope:scale:multiplier:upstream:selection:)`` with ∂/∂x and ∂/∂w
  /// sent to their destinations and returned.
  static func gradients(
    order: Int, input: Tensor, slope: Float, scale: Float, multiplier: Tensor?, upstream: Tensor,
    selection: SwishGradientSelection, inputDestination: GradientDestination, multiplierDestination: GradientDestination
  ) -> (multiplier: Tensor?, input: Tensor?, slope: Float?) {
    precondition(order >= 0 && order <= maximumOrder, "Swish gradient of order \(order) unsupported")
    let selection = multiplier == nil ? selection.subtracting(.multiplier) : selection
    let count = input.count
    let multiplierTarget = selection.contains(.multiplier) ? multiplierDestination.target(shapedLike: input, "multiplier") : nil
    let inputTarget = selection.contains(.input) ? inputDestination.target(shapedLike: input, "input") : nil
    let (multiplierGradient, inputGradient) = (multiplierTarget?.tensor, inputTarget?.tensor)
    let blocks = (count + sumBlock - 1) / sumBlock
    let partialSums = UnsafeMutablePointer<Float>.allocate(capacity: max(blocks, 1))
    defer { partialSums.deallocate() }
    let sigmoid = sigmoidValues(of: input, slope: slope)
    let pass = GradientPass(
      x: UnsafePointer(input.pointer), s: UnsafePointer(sigmoid.pointer), g: UnsafePointer(upstream.pointer),
      w: multiplier.map { UnsafePointer($0.pointer) },
      multiplierTarget: multiplierGradient?.pointer, inputTarget: inputGradient?.pointer,
      addsToMultiplierTarget: multiplierTarget?.adds ?? false, addsToInputTarget: inputTarget?.adds ?? false,
      wantsSlope: selection.contains(.slope), factor: Vector8(repeating: scale), slope: slope)
    withExtendedLifetime((input, sigmoid, multiplier, upstream)) {
      Parallelism.forEachRowChunk(rows: blocks, width: sumBlock) { blockRange in
        for block in blockRange {
          let range = block * sumBlock..<min(count, (block + 1) * sumBlock)
          switch order {
          case 0: partialSums[block] = pass.run(SwishOrder0.self, range)
          case 1: partialSums[block] = pass.run(SwishOrder1.self, range)
          case 2: partialSums[block] = pass.run(SwishOrder2.self, range)
          case 3: partialSums[block] = pass.run(SwishOrder3.self, range)
          default: partialSums[block] = pass.run(SwishOrder4.self, range)
          }
        }
      }
    }
    var slopeGradient: Float? = nil
    if selection.contains(.slope) {
      var total: Float = 0
      for block in 0..<blocks { total += partialSums[block] }
      slopeGradient = total
    }
    return (multiplierGradient, inputGradient, slopeGradient)
  }

  /// The pointers and constants of one ``gradients(order:input:slope:scale:multiplier:upstream:selection:inputDestination:multiplierDestination:)``
  /// pass; a nil target is a gradient not selected.
  struct GradientPass {
    let x: UnsafePointer<Float>
    let s: UnsafePointer<Float>
    let g: UnsafePointer<Float>
    let w: UnsafePointer<Float>?
    let multiplierTarget: UnsafeMutablePointer<Float>?
    let inputTarget: UnsafeMutablePointer<Float>?
    /// Whether the multiplier and input gradients are added to what their targets hold (each
    /// value rounded, then added: the bits of adding the written gradient afterwards) rather
    /// than written over it.
    let addsToMultiplierTarget: Bool
    let addsToInputTarget: Bool
    let wantsSlope: Bool
    let factor: Vector8
    let slope: Float

    /// Writes the selected gradients of the elements in `range` (one sum block) and returns
    /// their partial β-sum (0 when the β-gradient is not selected); n = `Order.value`.
    func run<Order: SwishOrder>(_: Order.Type, _ range: Range<Int>) -> Float {
      let order = Order.value
      var accumulator = Vector8()
      var offset = range.lowerBound
      while offset + 8 <= range.upperBound {
        step(order, offset, 8, &accumulator)
        offset += 8
      }
      if offset < range.upperBound { step(order, offset, range.upperBound - offset, &accumulator) }
      return accumulator.sum()
    }

    /// Writes `value` (already rounded) at `target + offset`, or adds it to what is there.
    @inline(__always)
    func write(_ value: Vector8, to target: UnsafeMutablePointer<Float>, adding: Bool, _ offset: Int, _ lanes: Int) {
      store8(adding ? load8(UnsafePointer(target), offset, lanes) + value : value, target, offset, lanes)
    }

    /// One vector of `lanes` elements at `offset`: writes the selected gradients and adds
    /// g·w·∂_β h⁽ⁿ⁾ to `accumulator` (zero-filled lanes add nothing).
    @inline(__always)
    func step(_ order: Int, _ offset: Int, _ lanes: Int, _ accumulator: inout Vector8) {
      let xv = load8(x, offset, lanes)
      let gv = load8(g, offset, lanes) * factor
      let u = xv * Vector8(repeating: slope)
      let s = load8(self.s, offset, lanes)
      if let multiplierTarget {
        let value = order == 0 ? xv * s : phi(order, u, s) * power(slope, order - 1)
        write(gv * value, to: multiplierTarget, adding: addsToMultiplierTarget, offset, lanes)
      }
      let gw = w.map { gv * load8($0, offset, lanes) } ?? gv
      if let inputTarget {
        let value = gw * phi(order + 1, u, s) * power(slope, order)
        write(value, to: inputTarget, adding: addsToInputTarget, offset, lanes)
      }
      if wantsSlope {
        let slopeValue: Vector8
        if order == 0 {
          slopeValue = xv * xv * sigmoidDerivative(1, s)
        } else {
          slopeValue = (Vector8(repeating: Float(order - 1)) * phi(order, u, s) + u * phi(order + 1, u, s)) * power(slope, order - 2)
        }
        accumulator = accumulator.addingProduct(gw, slopeValue)
      }
    }
  }
}

/// A derivative order fixed at compile time. The swish kernels' loops are generic over it, so each
/// order gets its own specialised loop with the polynomials folded (passing the order as a value
/// left a switch in every iteration: the inliner gives up on large callers).
protocol SwishOrder { static var value: Int { get } }
enum SwishOrder0: SwishOrder { static var value: Int { 0 } }
enum SwishOrder1: SwishOrder { static var value: Int { 1 } }
enum SwishOrder2: SwishOrder { static var value: Int { 2 } }
enum SwishOrder3: SwishOrder { static var value: Int { 3 } }
enum SwishOrder4: SwishOrder { static var value: Int { 4 } }
