import CZlib
import Foundation

#if canImport(Glibc)
import Glibc
#endif

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

/// Which part of an image dataset to read.
public enum ImageSplit: String, Sendable {
  /// The training images.
  case training
  /// The held-out test images.
  case test
}

/// Problems reading image data files.
public enum ImageDataError: Error, CustomStringConvertible, Equatable {
  /// A file or directory that is not there; `what` says what it should have held.
  case missing(path: String, what: String)
  /// A file that is there but cannot be used.
  case malformed(path: String, reason: String)

  /// One line naming the file and what is wrong.
  public var description: String {
    switch self {
    case .missing(let path, let what): return "\(path): not found (\(what))"
    case .malformed(let path, let reason): return "\(path): \(reason)"
    }
  }
}

/// The IDX format of the MNIST files: the bytes `0x00 0x00`, a data-type byte, a dimension-count
/// byte, one big-endian UInt32 per dimension, then the data in row-major order. Files may be
/// gzip-compressed; zlib reads plain files unchanged.
public enum IDXFile {
  /// The data-type byte of unsigned bytes, the only type supported.
  public static let unsignedByteType: UInt8 = 0x08

  /// Reads an IDX file of unsigned bytes, plain or gzipped.
  /// - Returns: the dimensions and the data, whose count is the product of the dimensions.
  /// - Throws: ``ImageDataError/missing(path:what:)`` when there is no file,
  ///   ``ImageDataError/malformed(path:reason:)`` naming what is wrong otherwise.
  public static func read(path: String) throws -> (dimensions: [Int], bytes: [UInt8]) {
    func malformed(_ reason: String) -> ImageDataError { .malformed(path: path, reason: reason) }
    let bytes = try readDecompressed(path: path)
    guard bytes.count >= 4 else { throw malformed("file is \(bytes.count) bytes, too short for an IDX header (4 bytes at least)") }
    guard bytes[0] == 0, bytes[1] == 0 else {
      throw malformed("not an IDX file (first two bytes are \(hex(bytes[0])) \(hex(bytes[1])), expected 0x00 0x00)")
    }
    guard bytes[2] == unsignedByteType else {
      throw malformed("unsupported IDX data type \(hex(bytes[2])) (only 0x08, unsigned byte, is supported)")
    }
    let dimensionCount = Int(bytes[3])
    guard (1...4).contains(dimensionCount) else { throw malformed("has \(dimensionCount) dimensions, expected 1 to 4") }
    let headerSize = 4 + 4 * dimensionCount
    guard bytes.count >= headerSize else {
      throw malformed("truncated header: \(dimensionCount) dimensions need \(headerSize) bytes, file has \(bytes.count)")
    }
    var dimensions: [Int] = []
    var expected = 1
    for index in 0..<dimensionCount {
      let start = 4 + 4 * index
      let dimension = bytes[start..<(start + 4)].reduce(0) { $0 << 8 | Int($1) }
      dimensions.append(dimension)
      let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
      guard !overflow else { throw malformed("dimensions \(dimensions) are too large") }
      expected = product
    }
    let found = bytes.count - headerSize
    guard found >= expected else { throw malformed("truncated: expected \(expected) bytes of data after the header, found \(found)") }
    guard found == expected else { throw malformed("has \(found - expected) bytes after the data, expected none") }
    return (dimensions, Array(bytes[headerSize...]))
  }

  /// The whole contents of `path`, decompressed when it is gzipped.
  static func readDecompressed(path: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw ImageDataError.missing(path: path, what: "IDX file")
    }
    guard !isDirectory.boolValue else { throw ImageDataError.malformed(path: path, reason: "is a directory, expected an IDX file") }
    guard let file = gzopen(path, "rb") else {
      throw ImageDataError.malformed(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))")
    }
    let chunkSize = 1 << 20
    _ = gzbuffer(file, UInt32(chunkSize))
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    while true {
      let bytesRead = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
      if bytesRead < 0 {
        _ = gzclose(file)
        throw ImageDataError.malformed(path: path, reason: "gzip stream is corrupt")
      }
      if bytesRead == 0 { break }
      bytes.append(contentsOf: chunk[0..<Int(bytesRead)])
    }
    let status = gzclose(file)
    guard status != Z_BUF_ERROR else { throw ImageDataError.malformed(path: path, reason: "gzip stream is truncated") }
    guard status == Z_OK else { throw ImageDataError.malformed(path: path, reason: "gzip stream is corrupt") }
    return bytes
  }

  /// `0x0D` for 13.
  static func hex(_ byte: UInt8) -> String {
    "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
  }
}

/// MNIST: 28×28 grey-scale digits in IDX files, each plain or gzipped (`<name>` or `<name>.gz`).
public enum MNIST {
  /// The file names of the four IDX files, without `.gz`.
  public static let fileNames = (
    trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
    testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte"
  )

  /// Reads one split from `directory`, preferring an uncompressed file to its `.gz`.
  /// - Throws: ``ImageDataError/missing(path:what:)`` for a missing file (the path without
  ///   `.gz`), ``ImageDataError/malformed(path:reason:)`` for a file of the wrong shape.
  public static func load(directory: String, split: ImageSplit) throws -> ImageDataset {
    let imagesName = split == .training ? fileNames.trainImages : fileNames.testImages
    let labelsName = split == .training ? fileNames.trainLabels : fileNames.testLabels
    let imagesPath = try locate(imagesName, in: directory, what: "MNIST \(split.rawValue) images")
    let labelsPath = try locate(labelsName, in: directory, what: "MNIST \(split.rawValue) labels")
    let images = try IDXFile.read(path: imagesPath)
    guard images.dimensions.count == 3 else {
      throw ImageDataError.malformed(
        path: imagesPath, reason: "expected 3-D images [count, height, width], found dimensions \(images.dimensions)")
    }
    let labels = try IDXFile.read(path: labelsPath)
    guard labels.dimensions.count == 1 else {
      throw ImageDataError.malformed(path: labelsPath, reason: "expected 1-D labels [count], found dimensions \(labels.dimensions)")
    }
    let count = images.dimensions[0]
    guard labels.dimensions[0] == count else {
      throw ImageDataError.malformed(
        path: labelsPath, reason: "has \(labels.dimensions[0]) labels but \(imagesPath) has \(count) images")
    }
    if let index = labels.bytes.firstIndex(where: { $0 > 9 }) {
      throw ImageDataError.malformed(path: labelsPath, reason: "label \(labels.bytes[index]) of image \(index) is outside 0...9")
    }
    return ImageDataset(
      name: "MNIST \(split.rawValue) set", count: count, height: images.dimensions[1], width: images.dimensions[2], channels: 1,
      pixels: images.bytes, labels: labels.bytes)
  }

  /// The path of `name` or `name.gz` in `directory`, the plain one first.
  static func locate(_ name: String, in directory: String, what: String) throws -> String {
    let path = joinedPath(directory, name)
    for candidate in [path, path + ".gz"] where FileManager.default.fileExists(atPath: candidate) {
      return candidate
    }
    throw ImageDataError.missing(path: path, what: "\(what); run `make data` or set MNIST_DIR / the dataset's path")
  }
}

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
    var batchDirectory = directory
    let nested = joinedPath(directory, directoryName)
    if !FileManager.default.fileExists(atPath: joinedPath(directory, names[0])),
      FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory), isDirectory.boolValue
    {
      batchDirectory = nested
    }

    var batches: [(path: String, data: Data)] = []
    for name in names {
      let path = joinedPath(batchDirectory, name)
      guard FileManager.default.fileExists(atPath: path) else {
        throw ImageDataError.missing(path: path, what: "CIFAR10 \(split.rawValue) batch")
      }
      guard let data = FileManager.default.contents(atPath: path) else {
        throw ImageDataError.malformed(path: path, reason: "cannot be read")
      }
      guard data.count > 0, data.count % recordSize == 0 else {
        throw ImageDataError.malformed(path: path, reason: "size \(data.count) bytes is not a multiple of the 3,073-byte record")
      }
      batches.append((path, data))
    }

    let count = batches.reduce(0) { $0 + $1.data.count / recordSize }
    let planeSize = side * side
    let imageSize = 3 * planeSize
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
            let destination = image * imageSize
            for channel in 0..<3 {
              let plane = start + 1 + channel * planeSize
              for position in 0..<planeSize {
                output[destination + position * 3 + channel] = input[plane + position]
              }
            }
            image += 1
          }
        }
      }
    }
    return ImageDataset(
      name: "CIFAR10 \(split.rawValue) set", count: count, height: side, width: side, channels: 3, pixels: pixels, labels: labels)
  }
}

/// `directory/name`, without doubling a trailing slash.
func joinedPath(_ directory: String, _ name: String) -> String {
  directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
