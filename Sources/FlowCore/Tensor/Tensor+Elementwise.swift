import Foundation

// MARK: - Vector functions

/// An elementwise function of one 8-lane vector. The kernels are generic over it, so each use is
/// specialised and the function inlined into the loop; a closure would instead be called once
/// per vector, which costs about as much as `exp` itself.
public protocol VectorFunction {
  /// The function applied to 8 lanes.
  func callAsFunction(_ x: Vector8) -> Vector8
}

/// An elementwise function of two 8-lane vectors (see ``VectorFunction``).
public protocol BinaryVectorFunction {
  /// The function applied to 8 lanes of each operand.
  func callAsFunction(_ a: Vector8, _ b: Vector8) -> Vector8
}

/// a + b.
public struct Add: BinaryVectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ a: Vector8, _ b: Vector8) -> Vector8 { a + b }
}
/// a − b.
public struct Subtract: BinaryVectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ a: Vector8, _ b: Vector8) -> Vector8 { a - b }
}
/// a · b.
public struct Multiply: BinaryVectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ a: Vector8, _ b: Vector8) -> Vector8 { a * b }
}
/// a / b.
public struct Divide: BinaryVectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ a: Vector8, _ b: Vector8) -> Vector8 { a / b }
}
/// f(x) = g(x, c) for a constant c: a binary function with its right operand fixed.
public struct RightConstant<Function: BinaryVectorFunction>: VectorFunction {
  @usableFromInline let function: Function
  @usableFromInline let constant: Vector8
  @inlinable public init(_ function: Function, _ constant: Float) {
    self.function = function
    self.constant = Vector8(repeating: constant)
  }
  @inlinable @inline(__always) public func callAsFunction(_ x: Vector8) -> Vector8 { function(x, constant) }
}
/// f(x) = g(c, x) for a constant c.
public struct LeftConstant<Function: BinaryVectorFunction>: VectorFunction {
  @usableFromInline let function: Function
  @usableFromInline let constant: Vector8
  @inlinable public init(_ function: Function, _ constant: Float) {
    self.function = function
    self.constant = Vector8(repeating: constant)
  }
  @inlinable @inline(__always) public func callAsFunction(_ x: Vector8) -> Vector8 { function(constant, x) }
}
/// e^x.
public struct Exponential: VectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ x: Vector8) -> Vector8 { vectorExp(x) }
}
/// σ(x).
public struct Sigmoid: VectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ x: Vector8) -> Vector8 { vectorSigmoid(x) }
}
/// √x.
public struct SquareRoot: VectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ x: Vector8) -> Vector8 { x.squareRoot() }
}
/// x².
public struct Square: VectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ x: Vector8) -> Vector8 { x * x }
}
/// |x|.
public struct Absolute: VectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ x: Vector8) -> Vector8 { x.replacing(with: -x, where: x .< 0) }
}
/// −x.
public struct Negate: VectorFunction {
  @inlinable public init() {}
  @inlinable @inline(__always) public func callAsFunction(_ x: Vector8) -> Vector8 { -x }
}

// MARK: - Generic kernels

extension Tensor {
  /// Applies `function` to every element, eight lanes at a time, in parallel for large tensors.
  @inlinable
  public func map<Function: VectorFunction>(_ function: Function) -> Tensor {
    let result = Tensor(uninitializedShape: shape)
    let source = UnsafePointer(pointer)
    let target = result.pointer
    Parallelism.forEachChunk(count: count) { range in
      var offset = range.lowerBound
      while offset + 8 <= range.upperBound {
        store8(function(load8(source, offset, 8)), target, offset, 8)
        offset += 8
      }
      if offset < range.upperBound {
        let lanes = range.upperBound - offset
        store8(function(load8(source, offset, lanes)), target, offset, lanes)
      }
    }
    return result
  }

  /// Applies `function` lane-wise to two tensors with the same number of elements.
  @inlinable
  public static func zip<Function: BinaryVectorFunction>(
    _ lhs: Tensor, _ rhs: Tensor, shape: [Int], _ function: Function
  ) -> Tensor {
    precondition(lhs.count == rhs.count, "Element counts differ: \(lhs.shape) and \(rhs.shape)")
    let result = Tensor(uninitializedShape: shape)
    let left = UnsafePointer(lhs.pointer)
    let right = UnsafePointer(rhs.pointer)
    let target = result.pointer
    Parallelism.forEachChunk(count: lhs.count) { range in
      var offset = range.lowerBound
      while offset + 8 <= range.upperBound {
        store8(function(load8(left, offset, 8), load8(right, offset, 8)), target, offset, 8)
        offset += 8
      }
      if offset < range.upperBound {
        let lanes = range.upperBound - offset
        store8(function(load8(left, offset, lanes), load8(right, offset, lanes)), target, offset, lanes)
      }
    }
    return result
  }

  /// Applies `function` with the broadcasting rule of ``broadcastShape(_:_:)``.
  @inlinable
  public static func broadcasting<Function: BinaryVectorFunction>(
    _ lhs: Tensor, _ rhs: Tensor, _ function: Function
  ) -> Tensor {
    guard let shape = broadcastShape(lhs.shape, rhs.shape) else {
      preconditionFailure("Shapes \(lhs.shape) and \(rhs.shape) do not broadcast")
    }
    if lhs.count == rhs.count { return zip(lhs, rhs, shape: shape, function) }
    if rhs.count == 1 { return lhs.map(RightConstant(function, rhs.pointer[0])).reshaped(shape) }
    if lhs.count == 1 { return rhs.map(LeftConstant(function, lhs.pointer[0])).reshaped(shape) }
    let lhsIsLarge = lhs.count > rhs.count
    let large = lhsIsLarge ? lhs : rhs
    let small = lhsIsLarge ? rhs : lhs
    let inner = small.count
    let rows = large.count / inner
    let result = Tensor(uninitializedShape: shape)
    let largePointer = UnsafePointer(large.pointer)
    let smallPointer = UnsafePointer(small.pointer)
    let target = result.pointer
    Parallelism.forEachRowChunk(rows: rows, width: inner) { rowRange in
      for row in rowRange {
        let base = row * inner
        var offset = 0
        while offset < inner {
          let lanes = Swift.min(8, inner - offset)
          let big = load8(largePointer, base + offset, lanes)
          let little = load8(smallPointer, offset, lanes)
          store8(lhsIsLarge ? function(big, little) : function(little, big), target, base + offset, lanes)
          offset += 8
        }
      }
    }
    return result
  }
}

// MARK: - Closure kernels (convenient, slower: one call per vector)

extension Tensor {
  /// Applies `operation` to every element, eight lanes at a time, in parallel for large tensors.
  @inlinable @inline(__always)
  public func mapVectors(_ operation: (Vector8) -> Vector8) -> Tensor {
    let result = Tensor(uninitializedShape: shape)
    let source = UnsafePointer(pointer)
    let target = result.pointer
    Parallelism.forEachChunk(count: count) { range in
      var offset = range.lowerBound
      while offset < range.upperBound {
        let lanes = Swift.min(8, range.upperBound - offset)
        store8(operation(load8(source, offset, lanes)), target, offset, lanes)
        offset += 8
      }
    }
    return result
  }

  /// Applies a scalar function to every element (for functions without a vector form).
  @inlinable
  public func mapScalars(_ operation: (Float) -> Float) -> Tensor {
    let result = Tensor(uninitializedShape: shape)
    for index in 0..<count { result.pointer[index] = operation(pointer[index]) }
    return result
  }
}

// MARK: - Broadcasting binary operations

extension Tensor {
  /// The shape of a binary operation between `lhs` and `rhs`, or nil when they do not broadcast.
  ///
  /// Broadcasting is deliberately narrow: equal shapes; one side with a single element; or one
  /// side whose shape is a suffix of the other's (a bias `[C]` against `[N, H, W, C]`).
  public static func broadcastShape(_ lhs: [Int], _ rhs: [Int]) -> [Int]? {
    if lhs == rhs { return lhs }
    let lhsCount = elementCount(lhs)
    let rhsCount = elementCount(rhs)
    if rhsCount == 1 && rhs.count <= lhs.count { return lhs }
    if lhsCount == 1 && lhs.count <= rhs.count { return rhs }
    if rhs.count < lhs.count && Array(lhs.suffix(rhs.count)) == rhs { return lhs }
    if lhs.count < rhs.count && Array(rhs.suffix(lhs.count)) == lhs { return rhs }
    return nil
  }

  /// Elementwise sum with broadcasting.
  public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, Add()) }
  /// Elementwise difference with broadcasting.
  public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, Subtract()) }
  /// Elementwise product with broadcasting.
  public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, Multiply()) }
  /// Elementwise quotient with broadcasting.
  public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, Divide()) }

  /// Every element times `scalar`.
  public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map(RightConstant(Multiply(), rhs)) }
  /// Every element times `scalar`.
  public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }
  /// Every element plus `scalar`.
  public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map(RightConstant(Add(), rhs)) }
  /// Every element minus `scalar`.
  public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs + (-rhs) }
  /// Elementwise negation.
  public static prefix func - (operand: Tensor) -> Tensor { operand.map(Negate()) }

  /// `self += scale · other`, in place (the axpy of BLAS).
  public mutating func addProduct(_ other: Tensor, scale: Float = 1) {
    precondition(count == other.count, "addProduct: \(shape) and \(other.shape) differ in count")
    makeUnique()
    addProductInPlace(other, scale: scale)
  }

  /// `self += scale · other` written straight into this storage, for a caller that holds it alone
  /// (``GradientAccumulator``); ``addProduct(_:scale:)`` copies shared storage first.
  func addProductInPlace(_ other: Tensor, scale: Float) {
    precondition(count == other.count, "addProduct: \(shape) and \(other.shape) differ in count")
    let target = pointer
    let source = UnsafePointer(other.pointer)
    let factor = Vector8(repeating: scale)
    Parallelism.forEachChunk(count: count) { range in
      var offset = range.lowerBound
      while offset < range.upperBound {
        let lanes = Swift.min(8, range.upperBound - offset)
        let value = load8(UnsafePointer(target), offset, lanes).addingProduct(load8(source, offset, lanes), factor)
        store8(value, target, offset, lanes)
        offset += 8
      }
    }
  }
}

// MARK: - Unary functions

extension Tensor {
  /// e^x elementwise (vectorised; see `vectorExp`).
  public func exp() -> Tensor { map(Exponential()) }

  /// The natural logarithm elementwise.
  public func log() -> Tensor { mapScalars { Foundation.log($0) } }

  /// The logistic sigmoid 1 / (1 + e^−x) elementwise.
  public func sigmoid() -> Tensor { map(Sigmoid()) }

  /// softplus(x) = log(1 + e^x), computed as max(x, 0) + log1p(e^−|x|) to stay finite.
  public func softplus() -> Tensor {
    mapScalars { Swift.max($0, 0) + Foundation.log1p(Foundation.exp(-Swift.abs($0))) }
  }

  /// The square root elementwise.
  public func squareRoot() -> Tensor { map(SquareRoot()) }

  /// |x| elementwise.
  public func absolute() -> Tensor { map(Absolute()) }

  /// The largest |x| (0 for an empty tensor).
  public func maximumAbsolute() -> Float { absolute().scalars.max() ?? 0 }

  /// The square elementwise.
  public func squared() -> Tensor { map(Square()) }
}
