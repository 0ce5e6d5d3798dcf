/// How the last layer of a perceptron branch (or any ``LipschitzLinear``) is initialised.
public enum LastLayerInitialization: Sendable {
  /// Like every other layer.
  case standard
  /// Divided by 1000, so that the block starts near the identity (toy Residual Flow reference).
  case nearZero
}
