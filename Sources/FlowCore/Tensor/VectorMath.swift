/// SIMD building blocks for the elementwise kernels: 8-lane loads and stores with a partial tail,
/// and a vectorised exponential (libm's `expf` is a scalar call per element, far too slow for
/// the sigmoid inside LipSwish).
public typealias Vector8 = SIMD8<Float>

/// Loads `lanes` (1...8) floats from `pointer + offset`, zero-filling the rest.
@inline(__always) @usableFromInline
func load8(_ pointer: UnsafePointer<Float>, _ offset: Int, _ lanes: Int) -> Vector8 {
  if lanes == 8 { return UnsafeRawPointer(pointer + offset).loadUnaligned(as: Vector8.self) }
  var vector = Vector8()
  for lane in 0..<lanes { vector[lane] = pointer[offset + lane] }
  return vector
}

/// Stores the first `lanes` (1...8) lanes of `vector` at `pointer + offset`.
@inline(__always) @usableFromInline
func store8(_ vector: Vector8, _ pointer: UnsafeMutablePointer<Float>, _ offset: Int, _ lanes: Int) {
  if lanes == 8 {
    UnsafeMutableRawPointer(pointer + offset).storeBytes(of: vector, as: Vector8.self)
    return
  }
  for lane in 0..<lanes { pointer[offset + lane] = vector[lane] }
}

/// e^x for 8 lanes: Cody–Waite range reduction x = n·ln2 + r and a degree-6 polynomial on
/// |r| ≤ ln2/2 (the Cephes `expf` coefficients), then scaling by 2^n through the exponent bits.
/// Inputs are clamped to [−87.3, 88.37], so the result is finite and normal; relative error is
/// about 2 ulp.
///
/// n = round(x·log₂e) is obtained by adding 1.5·2²³, which leaves n in the low mantissa bits
/// (round-to-nearest-even by the FPU itself); Swift's generic SIMD float→int conversion and
/// `rounded()` are per-lane library calls and must not appear here.
@inline(__always) @usableFromInline
func vectorExp(_ x: Vector8) -> Vector8 {
  let low = Vector8(repeating: -87.3)
  let high = Vector8(repeating: 88.376)
  var clamped = x.replacing(with: low, where: x .< low)
  clamped = clamped.replacing(with: high, where: clamped .> high)
  let magic = Vector8(repeating: 12_582_912)  // 1.5·2²³
  let shifted = clamped.addingProduct(clamped, Vector8(repeating: 0.442_695_04)) + magic
  let n = shifted - magic
  var r = clamped.addingProduct(n, Vector8(repeating: -0.693_359_375))
  r = r.addingProduct(n, Vector8(repeating: 2.121_944_4e-4))
  var p = Vector8(repeating: 1.987_569_15e-4)
  p = Vector8(repeating: 1.398_199_95e-3).addingProduct(p, r)
  p = Vector8(repeating: 8.333_451_9e-3).addingProduct(p, r)
  p = Vector8(repeating: 4.166_579_59e-2).addingProduct(p, r)
  p = Vector8(repeating: 1.666_666_55e-1).addingProduct(p, r)
  p = Vector8(repeating: 5.000_000_12e-1).addingProduct(p, r)
  let y = (r + 1).addingProduct(p, r * r)
  let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
  let exponent = (integer &+ 127) &<< 23
  return y * unsafeBitCast(exponent, to: Vector8.self)
}

/// The logistic sigmoid 1 / (1 + e^−x) for 8 lanes.
@inline(__always) @usableFromInline
func vectorSigmoid(_ x: Vector8) -> Vector8 {
  1 / (1 + vectorExp(-x))
}
