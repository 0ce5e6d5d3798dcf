/// A dense layer h(x) = [η̂₁·x, η̂₂·φ(Wx)] with concatenation weights η̂, fixed or learnable
/// (Perugachi-Diaz et al. 2021, Eq. 9–10).
public protocol ConcatenationLayer: AnyObject {
  /// (η̂₁, η̂₂) as numbers, for reports and figures.
  var concatenationWeightValues: (Float, Float) { get }
  /// Resets learnable weights while `iteration` (0-based, just finished) is before their start;
  /// does nothing for fixed weights.
  func applyConcatenationSchedule(afterIteration iteration: Int)
}

/// Things that contain dense layers with weighted concatenation, to be scheduled and reported
/// together (as ``LipschitzConstrained`` gathers Lipschitz layers).
public protocol ConcatenationWeighted {
  /// Every dense layer with concatenation weights inside, in a fixed order (input side first);
  /// empty for everything but i-DenseNet branches and what contains them.
  var concatenationLayers: [any ConcatenationLayer] { get }
}

extension ConcatenationWeighted {
  /// Applies the learnable-concatenation schedule of every dense layer inside; call after each
  /// optimizer step with the 0-based iteration just finished.
  public func applyConcatenationSchedule(afterIteration iteration: Int) {
    for layer in concatenationLayers { layer.applyConcatenationSchedule(afterIteration: iteration) }
  }

  /// (η̂₁, η̂₂) of every dense layer inside, in ``concatenationLayers`` order.
  public var concatenationWeightValues: [(Float, Float)] { concatenationLayers.map(\.concatenationWeightValues) }
}
