/// Whether a backward pass records its own graph.
public enum BackwardMode: Sendable {
  /// Gradients are constants (PyTorch's `create_graph=False`). Backward rules may use fused,
  /// non-differentiable kernels.
  case firstOrder
  /// Gradients are graph nodes that can be differentiated again (`create_graph=True`).
  case differentiable
}

/// A backward rule: given the context, returns one gradient per input, or nil for an input that
/// needs none.
public typealias BackwardRule = (BackwardContext) -> [Variable?]

/// What a backward rule sees.
///
/// In ``BackwardMode/firstOrder`` mode ``inputs``, ``output`` and ``upstream`` are constants, so
/// a rule written with differentiable operations records nothing. In
/// ``BackwardMode/differentiable`` mode they are the graph's own nodes.
public struct BackwardContext {
  /// The gradient of the differentiated quantity with respect to the operation's output.
  public let upstream: Variable
  /// The operation's inputs.
  public let inputs: [Variable]
  /// The operation's output.
  public let output: Variable
  /// Whether the rule's results must themselves be differentiable.
  public let mode: BackwardMode
  let wanted: [Bool]
  /// Per input, in first-order mode: the gradient other operations already sent it, when the
  /// backward pass alone holds that tensor (see ``GradientAccumulator``); nil otherwise.
  let accumulators: [GradientAccumulator?]
  /// First order: ``upstream``'s tensor when the backward pass alone holds it (nothing else
  /// refers to its storage, and the pass drops it after this rule); nil otherwise. An elementwise
  /// rule may write its result over it (reading every element before writing it) instead of
  /// filling a fresh tensor: the upstream's lines are in the cache of the core that just wrote
  /// them, while a fresh buffer's lines may sit in the other core's (stores into those waited for
  /// the line in a two-thread step: 84 % of the swish gradient kernel's samples).
  let reusableUpstream: Tensor?
  /// Per input, in a differentiable pass that accumulates in place: the gradient other
  /// operations already sent it (an input that occurs once among the operation's inputs), or nil;
  /// nil as a whole in other passes. A rule may return a gradient that already includes it (see
  /// ``absorbedSums``).
  let accumulatedSums: [AccumulatedSum?]?
  /// The inputs whose gradient returned by the rule already includes ``accumulatedSums``:
  /// `Gradients.of` then takes it as the input's gradient instead of adding it. Nil when there
  /// are no ``accumulatedSums``.
  let absorbedSums: AbsorbedSums?

  init(
    upstream: Variable, inputs: [Variable], output: Variable, mode: BackwardMode, wanted: [Bool],
    accumulators: [GradientAccumulator?]? = nil, reusableUpstream: Tensor? = nil, accumulatedSums: [AccumulatedSum?]? = nil
  ) {
    self.upstream = upstream
    self.inputs = inputs
    self.output = output
    self.mode = mode
    self.wanted = wanted
    self.accumulators = accumulators ?? Array(repeating: nil, count: inputs.count)
    self.reusableUpstream = reusableUpstream
    self.accumulatedSums = accumulatedSums
    self.absorbedSums = accumulatedSums.map { AbsorbedSums(count: $0.count) }
  }

  /// Whether the gradient for input `index` is needed (false when no target depends on it).
  public func needs(_ index: Int) -> Bool { wanted[index] }

  /// First order: the gradient input `index` already holds from other operations, when this
  /// pass alone holds that tensor; a rule may add its own gradient into it in place (keeping the
  /// bits of the separate sum) and return it, and `Gradients.of` then adds nothing. Nil otherwise.
  func accumulator(_ index: Int) -> Tensor? { accumulators[index]?.tensor }

  /// The gradient op(a)·op(b) for input `index`, reshaped to `shape` when given.
  ///
  /// When the input already holds a gradient from another operation that this pass alone owns,
  /// and the SIMD product gives the same bits with that gradient as its starting value (β = 1,
  /// one depth block: `Gemm.accumulatesExactly`), the product is added into it in place and the
  /// accumulated gradient returned: `Gradients.of` sees the same tensor and does not add again.
  /// This is the sum existing + op(a)·op(b) that it would otherwise form, one pass over the
  /// gradient cheaper (the i-DenseNet's concatenation inputs get one gradient through the
  /// concatenation and one through W).
  ///
  /// In differentiable mode the same holds for the gradient the input holds so far
  /// (``accumulatedSums``): the product then starts from it, as one recorded operation
  /// s + op(a)·op(b) whose value has the bits of the sum `Gradients.of` would form, written over
  /// s's storage when the pass alone holds it (``AccumulatedSum/Storage/heldAlone``).
  public func gradient(
    _ index: Int, product a: Variable, _ b: Variable, transposeA: Transposition = .none,
    transposeB: Transposition = .none, shape: [Int]? = nil
  ) -> Variable {
    let depth = transposeA == .none ? a.shape[1] : a.shape[0]
    if let accumulator = accumulator(index), Gemm.accumulatesExactly(depth: depth) {
      Tensor.addMatrixProduct(a.value, b.value, transposeA: transposeA, transposeB: transposeB, into: accumulator)
      return Variable(accumulator)
    }
    let productShape = Variable.productShape(a, b, transposeA: transposeA, transposeB: transposeB)
    if let sum = accumulatedSums?[index], let absorbedSums, sum.variable.shape == (shape ?? productShape), Gemm.accumulatesExactly(depth: depth) {
      absorbedSums.insert(index)
      return Variable.matrixProduct(a, b, transposeA: transposeA, transposeB: transposeB, adding: sum.variable, storage: sum.storage)
    }
    let product = Variable.matrixProduct(a, b, transposeA: transposeA, transposeB: transposeB)
    return shape.map { product.reshaped($0) } ?? product
  }

  /// First order: the gradient for input `index` that places `g`·`scale` at columns
  /// `offset..<offset + C` of zeros `width` wide (the adjoint of a scaled slice), added into the
  /// input's accumulated gradient in place when this pass alone holds one (the same bits as
  /// adding the padded tensor, without forming it).
  public func gradient(_ index: Int, padding g: Tensor, offset: Int, width: Int, scaledBy scale: Float) -> Variable {
    if let accumulator = accumulator(index) {
      g.addPaddedLastAxis(offset: offset, scaledBy: scale, into: accumulator)
      return Variable(accumulator)
    }
    return Variable(g.paddingLastAxis(offset: offset, width: width, scaledBy: scale))
  }

  /// ``gradient(_:padding:offset:width:scaledBy:)`` together with Σ g ⊙ `slice` (the scale's
  /// gradient, the bits of ``Tensor/sumOfProducts(_:)``), from one read of g.
  public func gradient(
    _ index: Int, padding g: Tensor, offset: Int, width: Int, scaledBy scale: Float, summingProductsWith slice: Tensor
  ) -> (gradient: Variable, sum: Float) {
    if let accumulator = accumulator(index) {
      let sum = g.addPaddedLastAxis(offset: offset, scaledBy: scale, into: accumulator, summingProductsWith: slice)
      return (Variable(accumulator), sum)
    }
    let (padded, sum) = g.paddingLastAxis(offset: offset, width: width, scaledBy: scale, summingProductsWith: slice)
    return (Variable(padded), sum)
  }
}

/// How a backward pass sums the gradients that several operations send to one variable. Both
/// give the same bits.
public enum GradientAccumulation: Sendable {
  /// First order: into the gradient already accumulated, when the pass alone holds that tensor:
  /// matrix products of one depth block, scaled-slice adjoints and swish input gradients are
  /// added straight into it by their kernels, anything else in one in-place pass
  /// (``GradientAccumulator``). A sum passed on unchanged to several variables is not written.
  /// Differentiable: a product of one depth block starts from the gradient accumulated so far
  /// (one recorded operation s + op(a)·op(b) instead of a product and a sum).
  case inPlace
  /// Into a fresh tensor for every sum (what `inPlace` saves; kept for comparing the two).
  case freshTensors
}

/// The gradient an input holds so far in a differentiable pass that accumulates in place
/// (``BackwardContext/accumulatedSums``).
struct AccumulatedSum {
  /// Whether a product may be added into ``variable``'s storage.
  enum Storage {
    /// Something outside the pass may read the value: a product adds into a new tensor.
    case shared
    /// Nothing reads the value again: no other node or caller refers to the variable (it is
    /// no operation's input and no one else's gradient), no other tensor to its storage, and
    /// its operation's backward rule does not read it (``ValueUse/notReadByBackward``).
    case heldAlone
  }

  /// The gradient, a graph node.
  let variable: Variable
  /// Whether its storage may be written over.
  let storage: Storage

  /// The sum `held` holds. When the pass alone refers to that node and its operation does not
  /// read its value, the node is rebuilt around the same operation and value (no one else saw
  /// its identity) so that the storage can be checked too; `held` then holds the rebuilt node.
  static func taken(from held: inout Variable?) -> AccumulatedSum? {
    guard let operation = held?.operation else { return held.map { AccumulatedSum(variable: $0, storage: .shared) } }
    guard operation.valueUse == .notReadByBackward, isKnownUniquelyReferenced(&held) else {
      return AccumulatedSum(variable: held!, storage: .shared)
    }
    var value = held!.value
    held = nil
    let storage: Storage = value.isUniquelyOwned() ? .heldAlone : .shared
    let rebuilt = Variable(value: value, operation: operation)
    held = rebuilt
    return AccumulatedSum(variable: rebuilt, storage: storage)
  }
}

/// The inputs of one backward rule whose returned gradient already includes what the input held
/// (``BackwardContext/accumulatedSums``). A reference, so that the rule's copy of the context
/// marks what `Gradients.of` reads.
final class AbsorbedSums {
  private(set) var indices: [Bool]

  init(count: Int) { indices = Array(repeating: false, count: count) }

  func insert(_ index: Int) { indices[index] = true }

  func contains(_ index: Int) -> Bool { indices[index] }
}
