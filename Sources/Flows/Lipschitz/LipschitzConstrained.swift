import FlowCore

/// Things that contain Lipschitz layers, to be updated together.
public protocol LipschitzConstrained {
  /// Every Lipschitz layer inside, in a fixed order.
  var lipschitzLayers: [any LipschitzLayer] { get }
}

extension LipschitzConstrained {
  /// Runs power iteration on every Lipschitz layer inside.
  public func updateSpectralNorms(_ schedule: PowerIteration) {
    for layer in lipschitzLayers { layer.updateSpectralNorm(schedule) }
  }
}

extension LipschitzConstrained {
  /// The learned-norm loss of the reference (`compute_p_grads`): the mean over every Lipschitz
  /// layer of one power-iteration σ as a function of the learned orders (the weights held
  /// constant, so its gradient reaches only the orders: p moves towards norms in which the
  /// weights are small). Nil when no order is learned. The runner adds it, weighted, to the loss.
  public func normOrderLoss() -> Variable? {
    let layers = lipschitzLayers
    let estimates = layers.compactMap { $0.orderSensitiveNormEstimate() }
    guard let first = estimates.first else { return nil }
    return estimates.dropFirst().reduce(first, +) / Float(layers.count)
  }
}
