import Foundation

/// CIFAR10: 32×32 colour images with labels 0…9, read from the binary version
/// (`cifar-10-batches-bin`: records of one label byte and 3,072 pixel bytes) or the python version
/// (`cifar-10-batches-py`: pickled dictionaries, unpacked or as `cifar-10-python.tar.gz`; see
/// ``CIFAR10Source`` for which is read when a directory has several). Both store each image as
/// its red plane, then green, then blue, each 32×32 row-major; the loaded dataset is
/// channels-last, the same bytes from either form.
public enum CIFAR10 {
  /// The directory name of the binary distribution.
  public static let directoryName = CIFAR10Source.binaryFolder
  /// The binary training batch files.
  public static let trainingFiles = CIFAR10Source.binaryNames(.training)
  /// The binary test batch file.
  public static let testFiles = CIFAR10Source.binaryNames(.test)
  /// Image side in pixels.
  public static let side = 32
  /// Bytes per image: 3 × 32 × 32.
  public static let imageSize = 3 * 32 * 32
  /// Bytes per binary record: one label and 3 × 32 × 32 pixels.
  public static let recordSize = 1 + imageSize
  /// The largest python batch file or archive member read (the published ones are 31 MB).
  static let pythonBatchLimit = 256 << 20

  /// Reads one split from `directory`, which holds one of the forms ``CIFAR10Source`` lists.
  /// - Throws: ``ImageDataError/missing(path:what:)`` for a missing directory, a directory with no
  ///   form, or a missing batch file of the form found; ``ImageDataError/malformed(path:reason:)``
  ///   for a file that cannot be used (wrong size, bad label, refused or corrupt pickle, corrupt
  ///   archive or a member missing from it).
  public static func load(directory: String, split: ImageSplit) throws -> ImageDataset {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw ImageDataError.missing(path: directory, what: "CIFAR10 binary batches (\(directoryName))")
    }
    let images: (labels: [UInt8], pixels: [UInt8])
    switch try CIFAR10Source.locate(in: directory) {
    case .binary(let folder): images = try decode(try readBatches(CIFAR10Source.binaryNames(split), in: folder, split: split))
    case .python(let folder): images = try readPythonBatches(in: folder, split: split)
    case .archive(let path): images = try readArchive(path, split: split)
    }
    return ImageDataset(
      name: "CIFAR10 \(split.rawValue) set", count: images.labels.count, height: side, width: side, channels: 3, pixels: images.pixels,
      labels: images.labels)
  }

  /// The binary batch files `names` in `directory`, each checked to be a whole number of records.
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

  /// The labels and channels-last pixels of every record of the binary `batches`, in order.
  private static func decode(_ batches: [(path: String, data: Data)]) throws -> (labels: [UInt8], pixels: [UInt8]) {
    let count = batches.reduce(0) { $0 + $1.data.count / recordSize }
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

  /// The python batch files of `split` in `directory`, decoded in order.
  private static func readPythonBatches(in directory: String, split: ImageSplit) throws -> (labels: [UInt8], pixels: [UInt8]) {
    var images: (labels: [UInt8], pixels: [UInt8]) = ([], [])
    for name in CIFAR10Source.pythonNames(split) {
      let path = joinedPath(directory, name)
      guard FileManager.default.fileExists(atPath: path) else {
        throw ImageDataError.missing(path: path, what: "CIFAR10 \(split.rawValue) batch, python version")
      }
      guard let data = FileManager.default.contents(atPath: path) else { throw ImageDataError.malformed(path: path, reason: "cannot be read") }
      guard data.count <= pythonBatchLimit else {
        throw ImageDataError.malformed(path: path, reason: "is \(data.count) bytes, more than the \(pythonBatchLimit) a CIFAR10 batch can be")
      }
      append(try CIFAR10PythonBatch(pickle: [UInt8](data), path: path), to: &images)
    }
    return images
  }

  /// The python batches of `split` from the archive at `path` (members
  /// `cifar-10-batches-py/<name>`, named in errors as `<path>/cifar-10-batches-py/<name>`).
  private static func readArchive(_ path: String, split: ImageSplit) throws -> (labels: [UInt8], pixels: [UInt8]) {
    let names = CIFAR10Source.pythonNames(split).map { CIFAR10Source.pythonFolder + "/" + $0 }
    let members = try TarArchive.members(named: Set(names), from: try GzipStream(path: path), sizeLimit: pythonBatchLimit)
    var images: (labels: [UInt8], pixels: [UInt8]) = ([], [])
    for name in names {
      guard let member = members[name] else { throw ImageDataError.malformed(path: path, reason: "has no member \(name)") }
      append(try CIFAR10PythonBatch(pickle: member, path: joinedPath(path, name)), to: &images)
    }
    return images
  }

  /// Appends `batch`'s labels and its images, channels-last, to `images`.
  private static func append(_ batch: CIFAR10PythonBatch, to images: inout (labels: [UInt8], pixels: [UInt8])) {
    let first = images.labels.count
    images.labels += batch.labels
    images.pixels += repeatElement(0, count: batch.labels.count * imageSize)
    images.pixels.withUnsafeMutableBufferPointer { output in
      batch.planes.withUnsafeBytes { input in
        for image in 0..<batch.labels.count { interleave(input, planesAt: image * imageSize, into: output, at: (first + image) * imageSize) }
      }
    }
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
