import FlowCore
import Flows
import Foundation

/// ‖x‖_p in double precision (p = ∞ allowed).
func vectorNorm(_ x: [Double], _ p: Double) -> Double {
  if p == .infinity { return x.reduce(0) { max($0, abs($1)) } }
  return pow(x.reduce(0) { $0 + pow(abs($1), p) }, 1 / p)
}

/// W x for a row-major `rows × columns` matrix.
func apply(_ matrix: [Double], rows: Int, columns: Int, _ x: [Double]) -> [Double] {
  (0..<rows).map { row in (0..<columns).reduce(0) { $0 + matrix[row * columns + $1] * x[$1] } }
}

/// A brute-force lower bound on ‖W‖_{p→q} = max ‖Wx‖_q over ‖x‖_p = 1, independent of power
/// iteration: the best of 4,000 random directions, the ±eⱼ (where the maximum lies for p = 1)
/// and, for up to 12 columns, every sign vector (where it lies for p = ∞: a convex function on
/// the cube peaks at a vertex), then refined by 3,000 steps of random hill climbing on the unit
/// sphere of ‖·‖_p with a shrinking step.
func bruteForceInducedNorm(_ matrix: [Double], rows: Int, columns: Int, p: Double, q: Double, seed: UInt64 = 5) -> Double {
  var random = RandomStream(seed: seed)
  func value(_ x: [Double]) -> Double { vectorNorm(apply(matrix, rows: rows, columns: columns, x), q) / vectorNorm(x, p) }
  var candidates: [[Double]] = (0..<4000).map { _ in (0..<columns).map { _ in gaussian(&random) } }
  for column in 0..<columns { candidates.append((0..<columns).map { $0 == column ? 1 : 0 }) }
  if columns <= 12 {
    for signs in 0..<(1 << columns) { candidates.append((0..<columns).map { (signs >> $0) & 1 == 1 ? 1 : -1 }) }
  }
  var best = candidates.max { value($0) < value($1) }!
  var bestValue = value(best)
  var step = 0.3
  for _ in 0..<3000 {
    let trial = best.map { $0 + step * gaussian(&random) }
    let trialValue = value(trial)
    if trialValue > bestValue {
      (best, bestValue) = (trial, trialValue)
    } else {
      step = max(step * 0.997, 1e-6)
    }
  }
  return bestValue
}

/// A standard normal number (Box–Muller).
func gaussian(_ random: inout RandomStream) -> Double {
  let (u, v) = (max(random.nextUniform(), 1e-300), random.nextUniform())
  return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
}

/// The matrix of a linear map on flat vectors of `inputs` numbers, from its values on the basis.
func operatorMatrix(inputs: Int, outputs: Int, _ map: (Tensor) -> Tensor) -> [Double] {
  var matrix = [Double](repeating: 0, count: outputs * inputs)
  for column in 0..<inputs {
    let image = map(Tensor(shape: [inputs], scalars: (0..<inputs).map { $0 == column ? 1 : 0 })).scalars
    for row in 0..<outputs { matrix[row * inputs + column] = Double(image[row]) }
  }
  return matrix
}

/// The fixed orders (p, q) as an ``InducedNorm``.
func inducedNorm(_ p: Float, _ q: Float) -> InducedNorm {
  InducedNorm(domain: .fixed(NormOrder(exponent: p)), codomain: .fixed(NormOrder(exponent: q)))
}
