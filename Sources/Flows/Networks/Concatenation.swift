import FlowCore

/// How the two parts of a dense layer's concatenation are weighted.
public enum Concatenation: Sendable, Equatable {
  /// η̂₁ = η̂₂ = c/√2 (K₁ = K₂ = 1, fixed).
  case fixed
  /// η = softplus(K) + 0.1 with K learnable (initialised at 1); until iteration
  /// `startIteration` the training loop resets K to 1 after every step (the reference fork).
  case learnable(startIteration: Int)
}

/// η̂ = c·η/‖η‖ with η = softplus(K) + 0.1, K = (1, 1) when not learnable
/// (Perugachi-Diaz et al. 2021, Eq. 10): a `[2]` variable with ‖η̂‖ = c.
func normalizedConcatenation(_ weights: Parameter?, coefficient: Float) -> Variable {
  let k = weights?.variable ?? Variable(Tensor(shape: [2], scalars: [1, 1]))
  let eta = k.softplus() + 0.1
  return eta * coefficient / eta.squared().sum().squareRoot()
}
