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
    let (beta1, beta2) = betas
    let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
    let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
    let stepSize = learningRate / correction1
    let inverseRootCorrection2 = 1 / correction2.squareRoot()
    for index in parameters.indices {
      let parameter = parameters[index]
      let gradient = gradients[index]
      precondition(gradient.shape == parameter.value.shape, "Gradient \(gradient.shape) for \(parameter.name) \(parameter.value.shape)")
      var value = parameter.value
      var first = firstMoments[index]
      var second = secondMoments[index]
      let decay: (l2: Float, decoupled: Float)
      switch weightDecay {
      case .none: decay = (0, 0)
      case .l2(let coefficient): decay = (coefficient, 0)
      case .decoupled(let coefficient): decay = (0, coefficient)
      }
      value.withUnsafeMutableBufferPointer { theta in
        first.withUnsafeMutableBufferPointer { m in
          second.withUnsafeMutableBufferPointer { v in
            gradient.withUnsafeBufferPointer { g in
              for i in 0..<theta.count {
                let grad = g[i] + decay.l2 * theta[i]
                m[i] = beta1 * m[i] + (1 - beta1) * grad
                v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
                let denominator = (v[i]).squareRoot() * inverseRootCorrection2 + epsilon
                theta[i] -= stepSize * m[i] / denominator + learningRate * decay.decoupled * theta[i]
              }
            }
          }
        }
      }
      firstMoments[index] = first
      secondMoments[index] = second
      parameter.value = value
    }
  }
}
