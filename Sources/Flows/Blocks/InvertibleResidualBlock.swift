import FlowCore
import Foundation

/// The i-ResNet / Residual Flow / i-DenseNet block F(x) = x + g(x) with Lip(g) < 1
/// (Behrmann et al. 2019): the three models differ only in g and in the estimator.
public final class InvertibleResidualBlock: Flow {
  public let name: String
  /// The residual branch g.
  public let branch: any ResidualBranch
  /// The estimator used in ``FlowMode/training``.
  public let trainingEstimator: LogDeterminantEstimator
  /// The estimator used in ``FlowMode/evaluation``.
  public let evaluationEstimator: LogDeterminantEstimator
  /// The gradient mode in training.
  public let gradient: LogDeterminantGradient
  /// What training keeps for the backward pass.
  public let memory: BlockMemory
  /// The fixed-point inverse stops when every |xₙ₊₁ − xₙ| ≤ absolute + relative·(|y| + |g(xₙ)|) …
  public let inverseTolerance: (absolute: Float, relative: Float)
  /// … or fails after this many iterations.
  public let inverseIterationLimit: Int

  /// Creates the block.
  public init(
    name: String, branch: any ResidualBranch, trainingEstimator: LogDeterminantEstimator,
    evaluationEstimator: LogDeterminantEstimator, gradient: LogDeterminantGradient = .backpropagation,
    memory: BlockMemory = .store, inverseTolerance: (absolute: Float, relative: Float) = (1e-6, 1e-5), inverseIterationLimit: Int = 1000
  ) {
    self.name = name
    self.branch = branch
    self.trainingEstimator = trainingEstimator
    self.evaluationEstimator = evaluationEstimator
    self.gradient = gradient
    self.memory = memory
    self.inverseTolerance = inverseTolerance
    self.inverseIterationLimit = inverseIterationLimit
  }

  public var parameters: [Parameter] { branch.parameters }
  public var lipschitzLayers: [any LipschitzLayer] { branch.lipschitzLayers }

  public var concatenationLayers: [any ConcatenationLayer] { branch.concatenationLayers }

  /// y = x + g(x) and the estimate of log det(I + J_g(x)) per sample (0 when the context skips
  /// log-determinants).
  public func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput {
    // Recomputation replays the series; without log-determinants (a classifier) g's graph is kept.
    if context.mode == .training, memory == .recompute, trainingEstimator.isSeries, context.logDeterminants == .estimated {
      return recomputedForward(input, random: &context.random)
    }
    let x = input.requiresGradient ? input : Variable(input.value, requiresGradient: true)
    let residual = branch(x)
    guard context.logDeterminants == .estimated else {
      return FlowOutput(value: x + residual, logDeterminant: Variable(Tensor.zeros([x.shape[0]])))
    }
    let estimator = context.mode == .training ? trainingEstimator : evaluationEstimator
    let logDeterminant = LogDeterminant.estimate(
      input: x, residual: residual, estimator: estimator,
      use: context.mode == .training ? .training(gradient) : .evaluation, random: &context.random)
    return FlowOutput(value: x + residual, logDeterminant: logDeterminant)
  }

  /// The training forward pass of ``BlockMemory/recompute``: the values of the stored pass (same
  /// draw, same series; with Neumann gradients the estimate itself, see ``BlockMemory/recompute``), a graph of one node, and a replay that rebuilds g and the
  /// log-determinant's differentiable part from the kept input, probe and Neumann vector.
  private func recomputedForward(_ input: Variable, random: inout RandomStream) -> FlowOutput {
    let draw = SeriesDraw(trainingEstimator, shape: input.shape, random: &random)
    let x = Variable(input.value, requiresGradient: true)
    let residual = branch(x)
    let (branch, gradient) = (self.branch, self.gradient)
    let values: [Tensor]
    let replay: ([Variable]) -> [Variable]
    switch gradient {
    case .neumannSeries:
      let (estimate, neumann) = LogDeterminant.graphFreeSeries(input: x, residual: residual, draw: draw)
      values = [(x + residual).value, estimate]
      replay = { standIns in
        let x = standIns[0].requiresGradient ? standIns[0] : Variable(standIns[0].value, requiresGradient: true)
        let residual = branch(x)
        return [x + residual, LogDeterminant.neumannSurrogate(input: x, residual: residual, neumann: neumann, probe: draw.probe)]
      }
    case .backpropagation:
      values = [(x + residual).value, LogDeterminant.differentiableSeries(input: x, residual: residual, draw: draw).value]
      replay = { standIns in
        let x = standIns[0].requiresGradient ? standIns[0] : Variable(standIns[0].value, requiresGradient: true)
        let residual = branch(x)
        return [x + residual, LogDeterminant.differentiableSeries(input: x, residual: residual, draw: draw)]
      }
    }
    let outputs = Variable.recomputed(values, inputs: [input] + parameters.map(\.variable), replay: replay)
    return FlowOutput(value: outputs[0], logDeterminant: outputs[1])
  }

  /// x with x + g(x) = y, by the fixed-point iteration x ← y − g(x) from x₀ = y − g(y).
  ///
  /// Stops when every |xₙ₊₁ − xₙ| ≤ absolute + relative·(|y| + |g(xₙ)|): the step is judged
  /// against the sizes of both terms of y − g(x), so an x far from y (a large g) stops at its
  /// float rounding instead of circling one ulp apart until the limit.
  public func inverse(_ output: Tensor) throws -> Tensor {
    let y = output
    func residual(_ x: Tensor) -> Tensor { branch(Variable(x)).value }
    let yThreshold = y.absolute() * inverseTolerance.relative + inverseTolerance.absolute
    var x = y - residual(y)
    for _ in 0..<inverseIterationLimit {
      let g = residual(x)
      let next = y - g
      let excess = (next - x).absolute() - yThreshold - g.absolute() * inverseTolerance.relative
      x = next
      if (excess.scalars.max() ?? 0) <= 0 { return x }
    }
    let mismatch = (x + residual(x) - y).maximumAbsolute()
    throw FlowError.inverseDidNotConverge(block: name, iterations: inverseIterationLimit, residual: mismatch)
  }
}
