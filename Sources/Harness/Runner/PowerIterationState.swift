import FlowCore

/// The power-iteration vectors of one Lipschitz layer in a ``TrainingState``, keyed by the layer's
/// name so that they go back into the same layer whatever the order of the model's layers.
public struct PowerIterationState: Equatable, Sendable {
  /// ``Flows/LipschitzLayer/name`` (`block1.linear2`).
  public var layer: String
  /// [u, v], or none for a convolution that has seen no input yet.
  public var vectors: [Tensor]

  /// Creates the state of one layer.
  public init(layer: String, vectors: [Tensor]) {
    self.layer = layer
    self.vectors = vectors
  }
}
