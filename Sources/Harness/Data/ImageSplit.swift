/// Which part of an image dataset to read.
public enum ImageSplit: String, Sendable {
  /// The training images.
  case training
  /// The held-out test images.
  case test
}
