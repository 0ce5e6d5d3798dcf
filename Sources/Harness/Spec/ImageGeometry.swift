/// The size of one image, channels last.
public struct ImageGeometry: Equatable, Sendable {
  public var height: Int
  public var width: Int
  public var channels: Int
  /// height · width · channels.
  public var dimension: Int { height * width * channels }
}
