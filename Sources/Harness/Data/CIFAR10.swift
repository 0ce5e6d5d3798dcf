import Foundation

/// CIFAR10: 32×32 colour images in the binary batches of `cifar-10-batches-bin`. Each record is
/// one label byte (0…9) and 3,072 pixel bytes: the red plane, then green, then blue, each 32×32
/// row-major. The loaded dataset is channels-last.
public enum CIFAR10 {
  /// The directory name of the binary distribution.
  public static let directoryName = "cifar-10-batches-bin"
  /// The training batch files.
  public static let trainingFiles = (1...5).map { "data_batch_\($0).bin" }
  /// The test batch file.
  public static let testFiles = ["test_batch.bin"]
  /// Image side in pixels.
  public static let side = 32
  /// Bytes per record: one label and 3 × 32 × 32 pixels.
  public static let recordSize = 1 + 3 * 32 * 32

  /// Reads one split from `directory`, the `cifar-10-batches-bin` directory (or its parent).
  /// - Throws: ``ImageDataError/missing(path:what:)`` for a missing directory or batch file,
  ///   ``ImageDataError/malformed(path:reason:)`` for a file of the wrong size or a bad label.
  public static func load(directory: String, split: ImageSplit) throws -> ImageDataset {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw ImageDataError.missing(path: directory, what: "CIFAR10 binary batches (\(directoryName))")
    }
    let names = split == .training ? trainingFiles : testFiles
    let batches = try readBatches(names, in: batchDirectory(directory, first: names[0]), split: split)
    let (labels, pixels) = try decode(batches)
    return ImageDataset(
      name: "CIFAR10 \(split.rawValue) set", count: labels.count, height: side, width: side, channels: 3, pixels: pixels, labels: labels)
  }

  /// `directory` when it holds the batch file `first`, else its `cifar-10-batches-bin`
  /// subdirectory when there is one, else `directory`.
  private static func batchDirectory(_ directory: String, first: String) -> String {
    var isDirectory: ObjCBool = false
    let nested = joinedPath(directory, directoryName)
    if !FileManager.default.fileExists(atPath: joinedPath(directory, first)),
      FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory), isDirectory.boolValue
    {
      return nested
    }
    return directory
  }

  /// The batch files `names` in `directory`, each checked to be a whole number of records.
  private static func readBatches(_ names: [String], in directory: String, split: ImageSplit) throws -> [(path: String, data: Data)] {
    try names.map { name in
      let path = joinedPath(directory, name)
      guard FileManager.default.fileExists(atPath: path) else {
        throw ImageDataError.missing(path: path, what: "CIFAR10 \(split.rawValue) batch")
      }
      guard let data = FileManager.default.contents(atPath: path) else {
        throw ImageDataError.malformed(path: path, reason: "cannot be read")
      }
      guard data.count > 0, data.count % recordSize == 0 else {
        throw ImageDataError.malformed(path: path, reason: "size \(data.count) bytes is not a multiple of the 3,073-byte record")
      }
      return (path, data)
    }
  }

  /// The labels and channels-last pixels of every record of `batches`, in order.
  private static func decode(_ batches: [(path: String, data: Data)]) throws -> (labels: [UInt8], pixels: [UInt8]) {
    let count = batches.reduce(0) { $0 + $1.data.count / recordSize }
    let imageSize = 3 * side * side
    var labels: [UInt8] = []
    labels.reserveCapacity(count)
    var pixels = [UInt8](repeating: 0, count: count * imageSize)
    try pixels.withUnsafeMutableBufferPointer { output in
      var image = 0
      for (path, data) in batches {
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
          for record in 0..<(input.count / recordSize) {
            let start = record * recordSize
            let label = input[start]
            guard label <= 9 else {
              throw ImageDataError.malformed(path: path, reason: "record \(record) has label \(label), expected 0...9")
            }
            labels.append(label)
            interleave(input, planesAt: start + 1, into: output, at: image * imageSize)
            image += 1
          }
        }
      }
    }
    return (labels, pixels)
  }

  /// Copies the red, green and blue planes at `planes` of `input` into one channels-last image at
  /// `destination` of `output`.
  @inline(__always)
  private static func interleave(_ input: UnsafeRawBufferPointer, planesAt planes: Int, into output: UnsafeMutableBufferPointer<UInt8>, at destination: Int) {
    let planeSize = side * side
    for channel in 0..<3 {
      let plane = planes + channel * planeSize
      for position in 0..<planeSize {
        output[destination + position * 3 + channel] = input[plane + position]
      }
    }
  }
}
