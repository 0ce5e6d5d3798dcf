import FlowCore

/// Things that contain Lipschitz layers, to be updated together.
public protocol LipschitzConstrained {
  /// Every Lipschitz layer inside, in a fixed order.
  var lipschitzLayers: [any LipschitzLayer] { get }
}

extension LipschitzConstrained {
  /// Runs power iteration on every Lipschitz layer inside. With more than one thread and layers
  /// no larger than ``sideBySidePowerIterationWork``, the layers run side by side, each whole on
  /// one thread (their products are too small to split well: a toy model's 128×1 products took
  /// 3.5 % of a two-thread step while the other thread mostly waited); larger layers run one
  /// after the other with their products split. Each layer's result is the same either way.
  public func updateSpectralNorms(_ schedule: PowerIteration) {
    let layers = lipschitzLayers
    if layers.allSatisfy({ $0.powerIterationWork <= sideBySidePowerIterationWork }) {
      Parallelism.forEachIndependentTask(count: layers.count) { layers[$0].updateSpectralNorm(schedule) }
    } else {
      for layer in layers { layer.updateSpectralNorm(schedule) }
    }
  }
}

/// The largest power-iteration work per layer (multiply-adds of one application, a 512 × 512
/// weight) for which layers run power iteration side by side rather than one at a time.
let sideBySidePowerIterationWork = 1 << 18

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
