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
  /// The fixed-point inverse stops when every |xₙ₊₁ − xₙ| ≤ absolute + relative·|y| …
  public let inverseTolerance: (absolute: Float, relative: Float)
  /// … or fails after this many iterations.
  public let inverseIterationLimit: Int

  /// Creates the block.
  public init(
    name: String, branch: any ResidualBranch, trainingEstimator: LogDeterminantEstimator,
    evaluationEstimator: LogDeterminantEstimator, gradient: LogDeterminantGradient = .backpropagation,
    inverseTolerance: (absolute: Float, relative: Float) = (1e-6, 1e-5), inverseIterationLimit: Int = 1000
  ) {
    self.name = name
    self.branch = branch
    self.trainingEstimator = trainingEstimator
    self.evaluationEstimator = evaluationEstimator
    self.gradient = gradient
    self.inverseTolerance = inverseTolerance
    self.inverseIterationLimit = inverseIterationLimit
  }

  public var parameters: [Parameter] { branch.parameters }
  public var lipschitzLayers: [any LipschitzLayer] { branch.lipschitzLayers }

  public var concatenationLayers: [any ConcatenationLayer] { branch.concatenationLayers }

  /// y = x + g(x) and the estimate of log det(I + J_g(x)) per sample (0 when the context skips
  /// log-determinants).
  public func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput {
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

  /// x with x + g(x) = y, by the fixed-point iteration x ← y − g(x) from x₀ = y − g(y).
  public func inverse(_ output: Tensor) throws -> Tensor {
    let y = output
    func residual(_ x: Tensor) -> Tensor { branch(Variable(x)).value }
    let threshold = y.absolute() * inverseTolerance.relative + inverseTolerance.absolute
    var x = y - residual(y)
    for _ in 0..<inverseIterationLimit {
      let next = y - residual(x)
      let excess = (next - x).absolute() - threshold
      x = next
      if (excess.scalars.max() ?? 0) <= 0 { return x }
    }
    let mismatch = (x + residual(x) - y).maximumAbsolute()
    throw FlowError.inverseDidNotConverge(block: name, iterations: inverseIterationLimit, residual: mismatch)
  }
}
