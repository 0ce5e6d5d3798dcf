import Synchronization

/// A dense, contiguous, row-major array of `Float` with an explicit shape.
///
/// Layout convention of the whole package (channels last):
/// - fully connected activations are `[rows, features]`;
/// - images are `[batch, height, width, channels]`, which is the matrix
///   `[batch·height·width, channels]`, so a 1×1 convolution is one GEMM and fully connected and
///   convolutional nets share the bias, concatenation and per-channel kernels, all of which act on
///   the last axis.
///
/// `Tensor` is a value type with copy-on-write storage. It carries no gradient information; see
/// ``Variable`` for differentiable computation.
public struct Tensor: Sendable {
  /// The extent of each axis, outermost first. A scalar has shape `[]`.
  public let shape: [Int]
  @usableFromInline var storage: TensorStorage

  /// The number of elements, the product of ``shape``.
  @inlinable public var count: Int { storage.count }

  /// The number of axes.
  @inlinable public var rank: Int { shape.count }

  @usableFromInline
  init(shape: [Int], storage: TensorStorage) {
    self.shape = shape
    self.storage = storage
  }

  /// A tensor with uninitialised contents; every element must be written before it is read.
  @inlinable
  public init(uninitializedShape shape: [Int]) {
    self.init(shape: shape, storage: TensorStorage(uninitializedCount: Tensor.elementCount(shape)))
  }

  /// A tensor of the given shape filled with `value`.
  @inlinable
  public init(repeating value: Float, shape: [Int]) {
    self.init(
      shape: shape, storage: TensorStorage(count: Tensor.elementCount(shape), repeating: value))
  }

  /// A tensor of zeros.
  @inlinable
  public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

  /// A tensor of ones.
  @inlinable
  public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

  /// A tensor holding `scalars` in row-major order.
  /// - Precondition: `scalars.count` equals the product of `shape`.
  public init(shape: [Int], scalars: [Float]) {
    let count = Tensor.elementCount(shape)
    precondition(
      scalars.count == count,
      "Tensor(shape: \(shape)) needs \(count) scalars, got \(scalars.count)")
    self.init(uninitializedShape: shape)
    scalars.withUnsafeBufferPointer { source in
      if count > 0 { storage.pointer.update(from: source.baseAddress!, count: count) }
    }
  }

  /// A scalar (rank-0) tensor.
  public init(_ scalar: Float) {
    self.init(repeating: scalar, shape: [])
  }

  /// The product of the extents, checked to be non-negative.
  @inlinable
  public static func elementCount(_ shape: [Int]) -> Int {
    var count = 1
    for extent in shape {
      precondition(extent >= 0, "Negative extent in shape \(shape)")
      count *= extent
    }
    return count
  }

  /// The elements in row-major order.
  public var scalars: [Float] {
    Array(UnsafeBufferPointer(start: storage.pointer, count: count))
  }

  /// The only element of a one-element tensor.
  public var scalar: Float {
    precondition(count == 1, "scalar needs a one-element tensor, shape is \(shape)")
    return storage.pointer[0]
  }

  /// Reads or writes the element at a flat row-major index.
  @inlinable
  public subscript(flat index: Int) -> Float {
    get {
      precondition(index >= 0 && index < count, "Flat index \(index) out of range 0..<\(count)")
      return storage.pointer[index]
    }
    set {
      precondition(index >= 0 && index < count, "Flat index \(index) out of range 0..<\(count)")
      makeUnique()
      storage.pointer[index] = newValue
    }
  }

  /// Calls `body` with a read-only pointer to the contiguous elements.
  @inlinable
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows
    -> R
  {
    try body(UnsafeBufferPointer(start: storage.pointer, count: count))
  }

  /// Calls `body` with a mutable pointer to the contiguous elements, copying shared storage first.
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    makeUnique()
    return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
  }

  /// The raw read pointer, valid while `self` is alive. For kernels inside the package.
  @inlinable var pointer: UnsafeMutablePointer<Float> { storage.pointer }

  /// Whether nothing else refers to this tensor's storage (then, like ``makeUnique()``, the
  /// values cached from the storage are dropped, since the caller is about to write).
  mutating func isUniquelyOwned() -> Bool {
    guard isKnownUniquelyReferenced(&storage) else { return false }
    storage.forgetDerivedValues()
    return true
  }

  @inlinable
  mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) {
      storage = storage.copy()
    } else {
      storage.forgetDerivedValues()
    }
  }

  /// The same elements viewed with another shape of equal element count (no copy).
  public func reshaped(_ newShape: [Int]) -> Tensor {
    precondition(
      Tensor.elementCount(newShape) == count,
      "Cannot reshape \(shape) (\(count) elements) to \(newShape)")
    return Tensor(shape: newShape, storage: storage)
  }

  /// The product of all extents but the last: the number of rows of the `[rows, last]` view.
  @inlinable public var rowCount: Int { shape.isEmpty ? 1 : count / Swift.max(shape[shape.count - 1], 1) }

  /// The extent of the last axis (the feature or channel axis); 1 for a scalar.
  @inlinable public var lastExtent: Int { shape.last ?? 1 }
}

extension Tensor: Equatable {
  /// Exact equality of shapes and of every element's bit pattern.
  public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
    guard lhs.shape == rhs.shape else { return false }
    for index in 0..<lhs.count where lhs.pointer[index].bitPattern != rhs.pointer[index].bitPattern {
      return false
    }
    return true
  }
}

extension Tensor: CustomStringConvertible {
  /// A short description: the shape and up to eight leading elements.
  public var description: String {
    let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
    return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
  }
}
