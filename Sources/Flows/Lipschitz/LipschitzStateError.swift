/// Saved power-iteration state that does not fit the layer it is restored into.
public struct LipschitzStateError: Error, CustomStringConvertible {
  /// What does not fit.
  public let description: String

  /// Creates the error.
  public init(description: String) {
    self.description = description
  }
}
