/// Whether one ActNorm layer has made its data-dependent initialisation, keyed by the layer's name.
public struct ActNormState: Codable, Equatable, Sendable {
  /// Before or after the first batch.
  public enum Initialization: String, Codable, Sendable {
    /// Shift and log-scale still wait for the first batch.
    case pending
    /// Shift and log-scale were set from a batch (a restored layer must not set them again).
    case done
  }

  /// ``Flows/ActNorm/name`` (`scale0.block1.actnorm`).
  public var layer: String
  /// Before or after the first batch.
  public var initialization: Initialization

  /// Creates the state of one ActNorm layer.
  public init(layer: String, initialization: Initialization) {
    self.layer = layer
    self.initialization = initialization
  }
}
