/// A set of 8-bit images with one class label each, held in memory.
///
/// Pixels are stored channels-last: channel `c` of column `x` of row `y` of image `i` is at
/// `((i * height + y) * width + x) * channels + c`.
public struct ImageDataset: Sendable {
  /// What the set is, for messages ("MNIST training set").
  public let name: String
  /// The number of images.
  public let count: Int
  /// Rows per image.
  public let height: Int
  /// Columns per image.
  public let width: Int
  /// Channels per pixel (1 for MNIST, 3 for CIFAR10).
  public let channels: Int
  /// `count * imageSize` bytes, channels-last.
  public let pixels: [UInt8]
  /// One label per image.
  public let labels: [UInt8]

  /// Creates a dataset from its parts.
  public init(name: String, count: Int, height: Int, width: Int, channels: Int, pixels: [UInt8], labels: [UInt8]) {
    self.name = name
    self.count = count
    self.height = height
    self.width = width
    self.channels = channels
    self.pixels = pixels
    self.labels = labels
  }

  /// Bytes per image.
  public var imageSize: Int { height * width * channels }
}
