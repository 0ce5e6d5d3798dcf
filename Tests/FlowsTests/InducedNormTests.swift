import FlowCore
import Flows
import Foundation
import Testing

/// The (p, q) pairs checked: 1, 2, ∞ and non-integer orders, on both sides.
let normPairs: [(Float, Float)] = [
  (2, 2), (1, 2), (2, 1), (1, .infinity), (.infinity, 1), (.infinity, 2), (2, .infinity), (1.5, 3), (3, 1.5), (2.5, 2.5), (1, 1), (.infinity, .infinity),
]

@Suite("Induced mixed norms")
struct InducedNormTests {
  @Test("Power iteration's σ for ‖W‖_{p→q} equals a brute-force maximum over many random and optimised directions", arguments: normPairs)
  func linearEstimateMatchesBruteForce(p: Float, q: Float) {
    for (seed, shape) in [(1, (3, 4)), (2, (4, 3)), (3, (5, 5))] as [(UInt64, (Int, Int))] {
      var random = RandomStream(seed: seed)
      let layer = LipschitzLinear(name: "l", inputSize: shape.1, outputSize: shape.0, coefficient: 0.9, norm: inducedNorm(p, q), random: &random)
      let matrix = layer.weight.value.scalars.map(Double.init)
      let brute = bruteForceInducedNorm(matrix, rows: shape.0, columns: shape.1, p: Double(p), q: Double(q))
      let sigma = Double(layer.spectralNormEstimate)
      #expect(abs(sigma - brute) <= 2e-3 * brute, "(\(p), \(q)) \(shape): σ \(sigma), brute force \(brute)")
      // σ is attained: v is a unit vector of ‖·‖_p and ‖W v‖_q ≥ σ, so σ never overestimates.
      let v = layer.rightVector.scalars.map(Double.init)
      #expect(abs(vectorNorm(v, Double(p)) - 1) < 1e-4)
      #expect(vectorNorm(apply(matrix, rows: shape.0, columns: shape.1, v), Double(q)) >= sigma * (1 - 1e-5))
    }
  }

  @Test("The same power iteration with a wrong dual map (exponent r − 1 instead of 1/(r − 1)) misses the brute-force maximum")
  func wrongDualMapFails() {
    var random = RandomStream(seed: 4)
    let (rows, columns) = (4, 5)
    let matrix = (0..<(rows * columns)).map { _ in gaussian(&random) }
    var worstWrong = 1.0
    for (p, q) in [(1.5, 3.0), (3.0, 1.5), (1.25, 4.0)] {
      let brute = bruteForceInducedNorm(matrix, rows: rows, columns: columns, p: p, q: q)
      let right = certifiedPowerIteration(matrix, rows: rows, columns: columns, p: p, q: q, direction: holderDirection)
      let wrong = certifiedPowerIteration(matrix, rows: rows, columns: columns, p: p, q: q, direction: wrongDirection)
      #expect(abs(right - brute) <= 2e-3 * brute, "(\(p), \(q)): right map \(right), brute force \(brute)")
      worstWrong = min(worstWrong, wrong / brute)
    }
    #expect(worstWrong < 0.99, "the wrong map reached \(worstWrong) of the maximum")
  }

  @Test("A layer's weight used is inside the coefficient in its induced norm", arguments: [(Float(1), Float.infinity), (3, 1.5), (.infinity, 2)])
  func normalizedWeightRespectsCoefficient(p: Float, q: Float) {
    var random = RandomStream(seed: 21)
    let layer = LipschitzLinear(name: "l", inputSize: 5, outputSize: 4, coefficient: 0.5, norm: inducedNorm(p, q), random: &random)
    layer.weight.value = layer.weight.value * 4
    layer.updateSpectralNorm(.iterations(200))
    let used = layer.normalizedWeight().value.scalars.map(Double.init)
    let norm = bruteForceInducedNorm(used, rows: 4, columns: 5, p: Double(p), q: Double(q))
    #expect(norm <= 0.5 * (1 + 2e-3) && norm >= 0.5 * (1 - 2e-2), "‖Ŵ‖ = \(norm)")
  }

  @Test("A convolution's σ for its operator's ‖·‖_{p→q} equals a brute-force maximum over the operator's matrix", arguments: [(Float(2), Float(2)), (1, 2), (3, 1.5), (.infinity, .infinity), (2, .infinity), (1, 1)])
  func convolutionEstimateMatchesBruteForce(p: Float, q: Float) {
    var random = RandomStream(seed: 31)
    let layer = LipschitzConvolution(name: "c", inputChannels: 1, outputChannels: 2, kernelSize: 3, coefficient: 0.9, norm: inducedNorm(p, q), random: &random)
    layer.prepare(height: 3, width: 3)
    layer.updateSpectralNorm(.iterations(200))
    let weight = layer.weight.value
    let matrix = operatorMatrix(inputs: 9, outputs: 18) { Convolution.forward($0.reshaped([1, 3, 3, 1]), weight: weight, padding: 1).reshaped([18]) }
    let brute = bruteForceInducedNorm(matrix, rows: 18, columns: 9, p: Double(p), q: Double(q))
    let sigma = Double(layer.spectralNormEstimate)
    #expect(abs(sigma - brute) <= 2e-3 * brute, "(\(p), \(q)): σ \(sigma), brute force \(brute)")
  }

  @Test("For ∞ → 1 (NP-hard in general) a convolution's σ is still attained by its unit vector v, so it never overestimates")
  func convolutionEstimateIsAttained() {
    var random = RandomStream(seed: 32)
    let layer = LipschitzConvolution(name: "c", inputChannels: 1, outputChannels: 2, kernelSize: 3, coefficient: 0.9, norm: inducedNorm(.infinity, 1), random: &random)
    layer.prepare(height: 3, width: 3)
    let v = layer.rightVector!
    let image = Convolution.forward(v, weight: layer.weight.value, padding: 1).scalars.map(Double.init)
    #expect(abs(NormOrder.infinity.norm(v.scalars) - 1) < 1e-6)
    #expect(vectorNorm(image, 1) >= Double(layer.spectralNormEstimate) * (1 - 1e-5))
  }

  @Test("The Hölder dual maps give unit vectors x with ⟨t, x⟩ = ‖t‖ in the dual norm, one-hot for r = 1", arguments: [Float(1), 1.5, 2, 3, .infinity])
  func dualMapsAttainHolder(order: Float) {
    var random = RandomStream(seed: 41)
    let t = Tensor.randomNormal(shape: [7], stream: &random)
    let x = HolderDual.direction(of: t, unitIn: NormOrder(exponent: order))
    let r = NormOrder(exponent: order)
    #expect(abs(r.norm(x.scalars) - 1) < 1e-5)
    #expect(abs(Double((t * x).sum().scalar) - r.conjugate.norm(t.scalars)) < 1e-5)
    if order == 1 { #expect(x.scalars.filter { $0 != 0 }.count == 1) }
  }

  /// Power iteration in double precision with `direction(t, r)` as the map onto the unit sphere
  /// of ‖·‖_r; the best over 11 starts of ‖W v‖_q with ‖v‖_p = 1 (a lower bound of the norm).
  func certifiedPowerIteration(
    _ matrix: [Double], rows: Int, columns: Int, p: Double, q: Double, direction: ([Double], Double) -> [Double]
  ) -> Double {
    var random = RandomStream(seed: 8)
    let transposed = (0..<(rows * columns)).map { matrix[($0 % rows) * columns + $0 / rows] }
    let dualQ = q == 1 ? Double.infinity : (q == .infinity ? 1 : q / (q - 1))
    var best = 0.0
    for _ in 0..<11 {
      var v = direction((0..<columns).map { _ in gaussian(&random) }, p)
      for _ in 0..<200 {
        let u = direction(apply(matrix, rows: rows, columns: columns, v), dualQ)
        v = direction(apply(transposed, rows: columns, columns: rows, u), p)
      }
      best = max(best, vectorNorm(apply(matrix, rows: rows, columns: columns, v), q) / vectorNorm(v, p))
    }
    return best
  }

  /// ``HolderDual/direction(of:unitIn:)`` on doubles.
  func holderDirection(_ t: [Double], _ r: Double) -> [Double] {
    HolderDual.direction(of: Tensor(shape: [t.count], scalars: t.map(Float.init)), unitIn: NormOrder(exponent: Float(r))).scalars.map(Double.init)
  }

  /// A plausible mistake: sign(t)·|t|^{r−1} (the codomain map's exponent) normalised to ‖·‖_r = 1.
  func wrongDirection(_ t: [Double], _ r: Double) -> [Double] {
    let powered = t.map { ($0 < 0 ? -1 : 1) * pow(abs($0), r - 1) }
    let norm = vectorNorm(powered, r)
    return powered.map { $0 / norm }
  }
}
