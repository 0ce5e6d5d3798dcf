import Foundation

/// How an optimizer applies weight decay.
public enum WeightDecay: Sendable, Equatable {
  /// No decay (the default: the reference's weight decay is a silent no-op, so its results were
  /// produced without any).
  case none
  /// L2 regularisation: λ·θ is added to the gradient before the moment updates (PyTorch Adam's
  /// `weight_decay`).
  case l2(Float)
  /// Decoupled decay (AdamW): θ ← θ − lr·λ·θ, applied besides the Adam update.
  case decoupled(Float)
}

/// Adam with bias correction (Kingma & Ba 2015, Algorithm 1).
///
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).
/// The toy reference uses β = (0.9, 0.999), the image reference (0.9, 0.99); ε = 1e-8.
public final class Adam {
  /// The parameters updated, in the order gradients are passed.
  public let parameters: [Parameter]
  /// (β₁, β₂).
  public let betas: (Float, Float)
  /// ε in the denominator.
  public let epsilon: Float
  /// The weight decay rule.
  public let weightDecay: WeightDecay
  /// Steps taken so far (t in the bias correction).
  public private(set) var step = 0
  /// First-moment estimates, one per parameter.
  public private(set) var firstMoments: [Tensor]
  /// Second-moment estimates, one per parameter.
  public private(set) var secondMoments: [Tensor]

  /// Creates the optimizer with zero moments.
  public init(
    parameters: [Parameter], betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8,
    weightDecay: WeightDecay = .none
  ) {
    precondition(betas.0 >= 0 && betas.0 < 1 && betas.1 >= 0 && betas.1 < 1, "Adam betas must be in [0, 1), got \(betas)")
    precondition(epsilon > 0, "Adam epsilon must be positive, got \(epsilon)")
    self.parameters = parameters
    self.betas = betas
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    firstMoments = parameters.map { Tensor.zeros($0.value.shape) }
    secondMoments = parameters.map { Tensor.zeros($0.value.shape) }
  }

  /// Restores the state saved from ``step``, ``firstMoments`` and ``secondMoments`` (resuming).
  public func restore(step: Int, firstMoments: [Tensor], secondMoments: [Tensor]) {
    precondition(
      firstMoments.map(\.shape) == parameters.map(\.value.shape)
        && secondMoments.map(\.shape) == parameters.map(\.value.shape),
      "Adam state shapes do not match the parameters")
    self.step = step
    self.firstMoments = firstMoments
    self.secondMoments = secondMoments
  }

  /// Applies one update with `gradients` (one per parameter, same shapes) at `learningRate`.
  public func update(gradients: [Tensor], learningRate: Float) {
    precondition(gradients.count == parameters.count, "Got \(gradients.count) gradients for \(parameters.count) parameters")
    precondition(learningRate >= 0, "Learning rate must be non-negative, got \(learningRate)")
    step += 1
    let rule = ElementRule(optimizer: self, learningRate: learningRate)
    var values = parameters.map(\.value)
    for index in parameters.indices {
      precondition(
        gradients[index].shape == values[index].shape, "Gradient \(gradients[index].shape) for \(parameters[index].name) \(values[index].shape)")
      values[index].makeUnique()
      firstMoments[index].makeUnique()
      secondMoments[index].makeUnique()
    }
    // Every element is updated on its own, so the parameters' elements, laid end to end, are
    // split among threads as one range: the same bits for every thread count.
    let offsets = values.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    let (theta, m, v, g) = (values.map(\.pointer), firstMoments.map(\.pointer), secondMoments.map(\.pointer), gradients.map(\.pointer))
    Parallelism.forEachChunk(count: offsets.last!) { range in
      var index = offsets.firstIndex { $0 > range.lowerBound }! - 1
      while index < values.count && offsets[index] < range.upperBound {
        let base = offsets[index]
        let elements = (max(range.lowerBound, base) - base)..<(min(range.upperBound, offsets[index + 1]) - base)
        rule.apply(to: elements, theta: theta[index], firstMoment: m[index], secondMoment: v[index], gradient: g[index])
        index += 1
      }
    }
    for (parameter, value) in zip(parameters, values) { parameter.value = value }
  }

  /// One step's update of single elements: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
  /// θ ← θ − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε) − lr·λ_decoupled·θ, with g = ∇ + λ_L2·θ.
  private struct ElementRule {
    let betas: (Float, Float)
    let epsilon: Float
    let stepSize: Float
    let inverseRootCorrection2: Float
    let learningRate: Float
    let decay: (l2: Float, decoupled: Float)

    /// The rule of `optimizer`'s current step (t = ``Adam/step``).
    init(optimizer: Adam, learningRate: Float) {
      (betas, epsilon, self.learningRate) = (optimizer.betas, optimizer.epsilon, learningRate)
      let time = Double(optimizer.step)
      let correction1 = 1 - Float(Foundation.pow(Double(betas.0), time))
      let correction2 = 1 - Float(Foundation.pow(Double(betas.1), time))
      stepSize = learningRate / correction1
      inverseRootCorrection2 = 1 / correction2.squareRoot()
      switch optimizer.weightDecay {
      case .none: decay = (0, 0)
      case .l2(let coefficient): decay = (coefficient, 0)
      case .decoupled(let coefficient): decay = (0, coefficient)
      }
    }

    func apply(
      to elements: Range<Int>, theta: UnsafeMutablePointer<Float>, firstMoment m: UnsafeMutablePointer<Float>,
      secondMoment v: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>
    ) {
      let (beta1, beta2) = betas
      for i in elements {
        let grad = g[i] + decay.l2 * theta[i]
        m[i] = beta1 * m[i] + (1 - beta1) * grad
        v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
        let denominator = (v[i]).squareRoot() * inverseRootCorrection2 + epsilon
        theta[i] -= stepSize * m[i] / denominator + learningRate * decay.decoupled * theta[i]
      }
    }
  }
}
