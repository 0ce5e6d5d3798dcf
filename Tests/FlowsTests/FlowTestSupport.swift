import FlowCore
import Flows
import Foundation

/// The largest singular value of a row-major `[rows, columns]` matrix, by 2000 power iterations
/// on AᵀA in double precision from three starting vectors (an independent reference for σ).
func largestSingularValue(_ matrix: [Double], rows: Int, columns: Int) -> Double {
  var best = 0.0
  for start in 0..<3 {
    var v = (0..<columns).map { Foundation.sin(Double($0 * 7 + start * 13 + 1)) }
    var sigma = 0.0
    for _ in 0..<2000 {
      var u = [Double](repeating: 0, count: rows)
      for i in 0..<rows { for j in 0..<columns { u[i] += matrix[i * columns + j] * v[j] } }
      var next = [Double](repeating: 0, count: columns)
      for j in 0..<columns { for i in 0..<rows { next[j] += matrix[i * columns + j] * u[i] } }
      let norm = next.map { $0 * $0 }.reduce(0, +).squareRoot()
      if norm == 0 { break }
      v = next.map { $0 / norm }
      sigma = norm.squareRoot()
    }
    best = max(best, sigma)
  }
  return best
}

/// The Jacobian of `branch` at each sample of x `[batch, d]`: `batch` row-major d×d matrices.
func jacobians(of branch: any ResidualBranch, at x: Tensor) -> [[Double]] {
  let (batch, dimension) = (x.shape[0], x.shape[1])
  let input = Variable(x, requiresGradient: true)
  let output = branch(input)
  var result = [[Double]](repeating: [Double](repeating: 0, count: dimension * dimension), count: batch)
  for row in 0..<dimension {
    var seed = Tensor.zeros([batch, dimension])
    for sample in 0..<batch { seed[flat: sample * dimension + row] = 1 }
    let gradient = Gradients.of(output, withRespectTo: [input], seed: Variable(seed))[0].value
    for sample in 0..<batch {
      for column in 0..<dimension { result[sample][row * dimension + column] = Double(gradient[flat: sample * dimension + column]) }
    }
  }
  return result
}

/// A residual block on d-dimensional data whose Jacobian is far from zero (two layers scaled to
/// the coefficient 0.9, ELU with slope 1 on the positive side), for estimator tests.
func denseTestBlock(dimension: Int, seed: UInt64, estimator: LogDeterminantEstimator, gradient: LogDeterminantGradient = .backpropagation) -> InvertibleResidualBlock {
  var random = RandomStream(seed: seed)
  let branch = LipschitzPerceptron(
    name: "g", widths: [dimension, 32, dimension], activation: .elu, coefficient: 0.9,
    lastLayer: .standard, random: &random)
  // Large raw weights, so that every layer is scaled to the coefficient and J is far from 0.
  for layer in branch.layers { layer.weight.value = layer.weight.value * 6 }
  branch.updateSpectralNorms(.iterations(200))
  return InvertibleResidualBlock(
    name: "block", branch: branch, trainingEstimator: estimator, evaluationEstimator: .exactJacobian, gradient: gradient)
}
