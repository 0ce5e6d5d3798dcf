import FlowCore
import Foundation

/// The log-determinant estimators of a residual block.
enum LogDeterminant {
  /// Estimates log det(I + J_g(x)) per sample, `[batch]`, for g(x) = `residual`.
  ///
  /// - Parameter use: ``LogDeterminantUse/evaluation`` returns a constant;
  ///   ``LogDeterminantUse/training(_:)`` a value whose gradient is that of the given mode.
  static func estimate(
    input x: Variable, residual: Variable, estimator: LogDeterminantEstimator,
    use: LogDeterminantUse, random: inout RandomStream
  ) -> Variable {
    func product(_ seed: Variable, _ mode: BackwardMode) -> Variable {
      Gradients.of(residual, withRespectTo: [x], seed: seed, mode: mode)[0]
    }
    switch estimator {
    case .exactTwoByTwo:
      precondition(x.shape.count == 2 && x.shape[1] == 2, "exactTwoByTwo needs [batch, 2] inputs, got \(x.shape)")
      let batch = x.shape[0]
      func basis(_ column: Int) -> Variable {
        Variable(Tensor(shape: [batch, 2], scalars: (0..<batch).flatMap { _ in column == 0 ? [1, 0] : [0, 1] as [Float] }))
      }
      let rowMode: BackwardMode = use == .evaluation ? .firstOrder : .differentiable
      let first = product(basis(0), rowMode)
      let second = product(basis(1), rowMode)
      let (j00, j01) = (first.slicingLastAxis(0..<1), first.slicingLastAxis(1..<2))
      let (j10, j11) = (second.slicingLastAxis(0..<1), second.slicingLastAxis(1..<2))
      let determinant = (j00 + 1) * (j11 + 1) - j01 * j10
      let result = determinant.log().reshaped([batch])
      return use == .evaluation ? result.detached : result
    case .exactJacobian:
      return Variable(exactLogDeterminant(input: x, residual: residual))
    case .powerSeries, .russianRoulette:
      let draw = SeriesDraw(estimator, shape: x.shape, random: &random)
      return series(input: x, residual: residual, draw: draw, use: use)
    }
  }

  /// The power series Σ (−1)^{k+1}/k · c(k) · vᵀJᵏv per sample, `[batch]`, for the drawn probe v
  /// and weights c (i-ResNet eq. 6; Chen et al. 2019, Eq. 6), J the Jacobian of `residual` at x.
  static func series(input x: Variable, residual: Variable, draw: SeriesDraw, use: LogDeterminantUse) -> Variable {
    switch use {
    case .training(.backpropagation):
      return differentiableSeries(input: x, residual: residual, draw: draw)
    case .training(.neumannSeries), .evaluation:
      let (estimate, neumann) = graphFreeSeries(input: x, residual: residual, draw: draw)
      guard use == .training(.neumannSeries) else { return Variable(estimate) }
      let surrogate = neumannSurrogate(input: x, residual: residual, neumann: neumann, probe: draw.probe)
      return surrogate + Variable(estimate - surrogate.value)
    }
  }

  /// The series with every vector-Jacobian product recorded, so that its gradient is exact
  /// backpropagation through the estimate (memory grows with the number of terms).
  static func differentiableSeries(input x: Variable, residual: Variable, draw: SeriesDraw) -> Variable {
    let probe = Variable(draw.probe)
    var w = probe
    var total: Variable? = nil
    for (index, weight) in draw.weights.enumerated() {
      let k = index + 1
      w = Gradients.of(residual, withRespectTo: [x], seed: w, mode: .differentiable)[0]
      let term = sumPerSample(w * probe) * Float((k % 2 == 1 ? 1.0 : -1.0) / Double(k) * weight)
      total = total.map { $0 + term } ?? term
    }
    return total ?? Variable(Tensor.zeros([x.shape[0]]))
  }

  /// The series without a graph: the estimate `[batch]` and the Neumann vector
  /// w = Σ_{j<K} (−1)^j c(j+1)·vᵀJ^j, shaped like x (Chen et al. 2019, Eq. 8).
  static func graphFreeSeries(input x: Variable, residual: Variable, draw: SeriesDraw) -> (estimate: Tensor, neumann: Tensor) {
    let weights = draw.weights
    var w = draw.probe
    var estimate = Tensor.zeros([x.shape[0]])
    var neumann = draw.probe * Float(weights.first ?? 0)
    for (index, weight) in weights.enumerated() {
      let k = index + 1
      w = Gradients.of(residual, withRespectTo: [x], seed: Variable(w))[0].value
      estimate.addProduct(sumPerSample(Variable(w * draw.probe)).value, scale: Float((k % 2 == 1 ? 1.0 : -1.0) / Double(k) * weight))
      if k < weights.count {
        neumann.addProduct(w, scale: Float((k % 2 == 0 ? 1.0 : -1.0) * weights[k]))
      }
    }
    return (estimate, neumann)
  }

  /// (wᵀJ)·v per sample, `[batch]`, with one differentiable vector-Jacobian product: its
  /// gradient is the Neumann-series estimate of ∂ log det(I + J) (Chen et al. 2019, Eq. 8);
  /// its value is not the log-determinant.
  static func neumannSurrogate(input x: Variable, residual: Variable, neumann: Tensor, probe: Tensor) -> Variable {
    let product = Gradients.of(residual, withRespectTo: [x], seed: Variable(neumann), mode: .differentiable)[0]
    return sumPerSample(product * Variable(probe))
  }

  /// log|det(I + J)| per sample from the full Jacobian (d products, LU in double precision).
  static func exactLogDeterminant(input x: Variable, residual: Variable) -> Tensor {
    let batch = x.shape[0]
    let dimension = x.value.count / batch
    var jacobian = [Double](repeating: 0, count: batch * dimension * dimension)
    for row in 0..<dimension {
      var seed = Tensor.zeros(x.shape)
      for sample in 0..<batch { seed[flat: sample * dimension + row] = 1 }
      let gradient = Gradients.of(residual, withRespectTo: [x], seed: Variable(seed))[0].value
      for sample in 0..<batch {
        for column in 0..<dimension {
          jacobian[(sample * dimension + row) * dimension + column] = Double(gradient[flat: sample * dimension + column])
        }
      }
    }
    var result = Tensor.zeros([batch])
    for sample in 0..<batch {
      var matrix = Array(jacobian[(sample * dimension * dimension)..<((sample + 1) * dimension * dimension)])
      for i in 0..<dimension { matrix[i * dimension + i] += 1 }
      result[flat: sample] = Float(logAbsoluteDeterminant(&matrix, dimension))
    }
    return result
  }

  /// log|det A| by LU with partial pivoting (A is overwritten).
  static func logAbsoluteDeterminant(_ a: inout [Double], _ n: Int) -> Double {
    var total = 0.0
    for column in 0..<n {
      var pivot = column
      for row in column..<n where abs(a[row * n + column]) > abs(a[pivot * n + column]) { pivot = row }
      if pivot != column { for k in 0..<n { a.swapAt(column * n + k, pivot * n + k) } }
      let diagonal = a[column * n + column]
      if diagonal == 0 { return -.infinity }
      total += Foundation.log(abs(diagonal))
      for row in (column + 1)..<n {
        let factor = a[row * n + column] / diagonal
        for k in column..<n { a[row * n + k] -= factor * a[column * n + k] }
      }
    }
    return total
  }
}
