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
