import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// The IDX encoding of `data` with `dimensions` and data-type byte `type`.
func idxFile(type: UInt8 = 0x08, dimensions: [Int], data: [UInt8]) -> [UInt8] {
  var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
  for dimension in dimensions {
    bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: dimension >> $0) }
  }
  return bytes + data
}

/// The CRC-32 of gzip (reflected polynomial 0xEDB88320).
private func checksum(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

/// The little-endian bytes of the low `count` bytes of `value`.
private func littleEndian(_ value: UInt32, count: Int) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// A gzip file of `bytes` in stored (uncompressed) deflate blocks, written by hand so the tests
/// need no zlib of their own.
func gzipped(_ bytes: [UInt8]) -> [UInt8] {
  var output: [UInt8] = [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF]
  var offset = 0
  repeat {
    let length = min(65_535, bytes.count - offset)
    output.append(offset + length == bytes.count ? 1 : 0)
    output += littleEndian(UInt32(length), count: 2) + littleEndian(UInt32(~UInt16(length)), count: 2)
    output += bytes[offset..<(offset + length)]
    offset += length
  } while offset < bytes.count
  return output + littleEndian(checksum(bytes), count: 4) + littleEndian(UInt32(truncatingIfNeeded: bytes.count), count: 4)
}

/// Writes `bytes` to `path`.
func write(_ bytes: [UInt8], to path: String) throws {
  try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The MNIST test pixel of image `image`, row `y`, column `x`.
func mnistPixel(_ image: Int, _ y: Int, _ x: Int) -> UInt8 {
  UInt8((image * 31 + y * 3 + x) % 256)
}

/// `count` MNIST-style 28×28 images starting at image number `first`, in IDX form.
func mnistImages(count: Int, first: Int = 0) -> [UInt8] {
  var data: [UInt8] = []
  for image in first..<(first + count) {
    for y in 0..<28 {
      for x in 0..<28 { data.append(mnistPixel(image, y, x)) }
    }
  }
  return idxFile(dimensions: [count, 28, 28], data: data)
}

/// The CIFAR10 test value of record `record`, channel `channel`, row `y`, column `x`.
func cifarPixel(_ record: Int, _ channel: Int, _ y: Int, _ x: Int) -> UInt8 {
  UInt8((record * 7 + channel * 3 + y + 2 * x) % 256)
}

/// CIFAR10 binary records `records` (label `record % 10`, planar red, green, blue).
func cifarBatch(_ records: Range<Int>) -> [UInt8] {
  var bytes: [UInt8] = []
  for record in records {
    bytes.append(UInt8(record % 10))
    for channel in 0..<3 {
      for y in 0..<32 {
        for x in 0..<32 { bytes.append(cifarPixel(record, channel, y, x)) }
      }
    }
  }
  return bytes
}

/// A CIFAR10 directory of 5 training batches of 2 records each (records 0..<10) and a test batch
/// of 3 records (records 20..<23).
func cifarDirectory(_ name: String) throws -> String {
  let directory = temporaryDirectory(name)
  for batch in 0..<5 {
    try write(cifarBatch((2 * batch)..<(2 * batch + 2)), to: directory + "/data_batch_\(batch + 1).bin")
  }
  try write(cifarBatch(20..<23), to: directory + "/test_batch.bin")
  return directory
}

@Suite("Image datasets: IDX files, MNIST and CIFAR10")
struct ImageDataTests {
  @Test("An IDX file round-trips its dimensions and bytes, plain or gzipped")
  func idxRoundTrip() throws {
    let directory = temporaryDirectory("idx")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let data = (0..<(2 * 3 * 260)).map { UInt8($0 % 251) }
    let file = idxFile(dimensions: [2, 3, 260], data: data)
    try write(file, to: directory + "/plain.idx")
    try write(gzipped(file), to: directory + "/packed.idx.gz")
    for name in ["plain.idx", "packed.idx.gz"] {
      let read = try IDXFile.read(path: directory + "/" + name)
      #expect(read.dimensions == [2, 3, 260])
      #expect(read.bytes == data)
    }
    try write(gzipped(idxFile(dimensions: [0], data: [])), to: directory + "/empty.idx.gz")
    let empty = try IDXFile.read(path: directory + "/empty.idx.gz")
    #expect(empty.dimensions == [0])
    #expect(empty.bytes.isEmpty)
  }

  @Test("Truncated, mistyped, overlong and missing IDX files are rejected naming the file")
  func idxErrors() throws {
    let directory = temporaryDirectory("idx-errors")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let data = [UInt8](repeating: 7, count: 24)

    let truncated = directory + "/truncated.idx"
    try write(idxFile(dimensions: [2, 3, 4], data: Array(data.prefix(20))), to: truncated)
    let truncatedError = #expect(throws: ImageDataError.self) { try IDXFile.read(path: truncated) }
    #expect(truncatedError == ImageDataError.malformed(path: truncated, reason: "truncated: expected 24 bytes of data after the header, found 20"))
    #expect(truncatedError?.description.contains("truncated") == true)
    #expect(truncatedError?.description.contains(truncated) == true)

    let mistyped = directory + "/mistyped.idx"
    try write(idxFile(type: 0x0D, dimensions: [2, 3, 4], data: data), to: mistyped)
    let mistypedError = #expect(throws: ImageDataError.self) { try IDXFile.read(path: mistyped) }
    #expect(mistypedError?.description.contains("0x0D") == true)
    #expect(mistypedError?.description.contains(mistyped) == true)

    let overlong = directory + "/overlong.idx"
    try write(idxFile(dimensions: [2, 3, 4], data: data + [1, 2, 3]), to: overlong)
    #expect(throws: ImageDataError.malformed(path: overlong, reason: "has 3 bytes after the data, expected none")) {
      try IDXFile.read(path: overlong)
    }

    let shortHeader = directory + "/short-header.idx"
    try write([0, 0, 8, 3, 0, 0, 0, 2], to: shortHeader)
    let shortHeaderError = #expect(throws: ImageDataError.self) { try IDXFile.read(path: shortHeader) }
    #expect(shortHeaderError?.description.contains("truncated header") == true)

    let foreign = directory + "/foreign.idx"
    try write(Array("hello, world".utf8), to: foreign)
    let foreignError = #expect(throws: ImageDataError.self) { try IDXFile.read(path: foreign) }
    #expect(foreignError?.description.contains("not an IDX file") == true)

    let cutGzip = directory + "/cut.idx.gz"
    let packed = gzipped(idxFile(dimensions: [2, 3, 4], data: data))
    try write(Array(packed.prefix(packed.count - 20)), to: cutGzip)
    let cutGzipError = #expect(throws: ImageDataError.self) { try IDXFile.read(path: cutGzip) }
    #expect(cutGzipError?.description.contains(cutGzip) == true)

    let missing = directory + "/missing.idx"
    #expect(throws: ImageDataError.missing(path: missing, what: "IDX file")) { try IDXFile.read(path: missing) }
  }

  @Test("MNIST loads pixels and labels at the right positions from plain or gzipped files")
  func mnistLoads() throws {
    let directory = temporaryDirectory("mnist")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try write(gzipped(mnistImages(count: 3)), to: directory + "/train-images-idx3-ubyte.gz")
    try write(idxFile(dimensions: [3], data: [7, 0, 9]), to: directory + "/train-labels-idx1-ubyte")
    try write(mnistImages(count: 2, first: 10), to: directory + "/t10k-images-idx3-ubyte")
    try write(Array("not gzip, and never read".utf8), to: directory + "/t10k-images-idx3-ubyte.gz")
    try write(gzipped(idxFile(dimensions: [2], data: [4, 2])), to: directory + "/t10k-labels-idx1-ubyte.gz")

    let training = try MNIST.load(directory: directory, split: .training)
    #expect(training.count == 3)
    #expect(training.height == 28 && training.width == 28 && training.channels == 1)
    #expect(training.imageSize == 784)
    #expect(training.pixels.count == 3 * 784)
    #expect(training.labels == [7, 0, 9])
    for (image, y, x) in [(0, 0, 0), (0, 27, 27), (1, 5, 17), (2, 13, 0), (2, 27, 26)] {
      #expect(training.pixels[(image * 28 + y) * 28 + x] == mnistPixel(image, y, x))
    }

    let test = try MNIST.load(directory: directory + "/", split: .test)
    #expect(test.count == 2)
    #expect(test.labels == [4, 2])
    #expect(test.pixels[(1 * 28 + 4) * 28 + 9] == mnistPixel(11, 4, 9))
  }

  @Test("MNIST names a missing file and rejects mismatched counts, bad labels and wrong shapes")
  func mnistErrors() throws {
    let directory = temporaryDirectory("mnist-errors")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let imagesPath = directory + "/train-images-idx3-ubyte"
    let labelsPath = directory + "/train-labels-idx1-ubyte"
    try write(mnistImages(count: 3), to: imagesPath)

    let missingError = #expect(throws: ImageDataError.self) { try MNIST.load(directory: directory, split: .training) }
    if case .missing(let path, let what)? = missingError {
      #expect(path == labelsPath)
      #expect(what.contains("MNIST training labels"))
    } else {
      Issue.record("expected a missing-file error, got \(String(describing: missingError))")
    }

    try write(idxFile(dimensions: [2], data: [1, 2]), to: labelsPath)
    let countError = #expect(throws: ImageDataError.self) { try MNIST.load(directory: directory, split: .training) }
    #expect(countError == ImageDataError.malformed(path: labelsPath, reason: "has 2 labels but \(imagesPath) has 3 images"))

    try write(idxFile(dimensions: [3], data: [1, 12, 2]), to: labelsPath)
    let labelError = #expect(throws: ImageDataError.self) { try MNIST.load(directory: directory, split: .training) }
    #expect(labelError?.description.contains("label 12 of image 1") == true)

    try write(idxFile(dimensions: [3, 784], data: [UInt8](repeating: 0, count: 3 * 784)), to: imagesPath)
    let shapeError = #expect(throws: ImageDataError.self) { try MNIST.load(directory: directory, split: .training) }
    #expect(shapeError?.description.contains(imagesPath) == true)
    #expect(shapeError?.description.contains("3-D") == true)
  }

  @Test("CIFAR10 batches load channels-last with their labels and counts")
  func cifarLoads() throws {
    let directory = try cifarDirectory("cifar")
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let training = try CIFAR10.load(directory: directory, split: .training)
    #expect(training.count == 10)
    #expect(training.height == 32 && training.width == 32 && training.channels == 3)
    #expect(training.imageSize == 3072)
    #expect(training.labels == (0..<10).map { UInt8($0) })
    var expected = [UInt8](repeating: 0, count: 10 * 3072)
    for record in 0..<10 {
      for y in 0..<32 {
        for x in 0..<32 {
          for channel in 0..<3 { expected[((record * 32 + y) * 32 + x) * 3 + channel] = cifarPixel(record, channel, y, x) }
        }
      }
    }
    #expect(training.pixels == expected)
    for (record, channel, y, x) in [(0, 0, 0, 0), (0, 2, 31, 31), (3, 1, 7, 20), (9, 2, 16, 5)] {
      #expect(training.pixels[((record * 32 + y) * 32 + x) * 3 + channel] == cifarPixel(record, channel, y, x))
    }

    let test = try CIFAR10.load(directory: directory, split: .test)
    #expect(test.count == 3)
    #expect(test.labels == [0, 1, 2])
    #expect(test.pixels[((2 * 32 + 11) * 32 + 30) * 3 + 1] == cifarPixel(22, 1, 11, 30))
  }

  @Test("CIFAR10 rejects a batch of the wrong size, a bad label and a missing directory or file")
  func cifarErrors() throws {
    let directory = try cifarDirectory("cifar-errors")
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let testPath = directory + "/test_batch.bin"
    try write(cifarBatch(0..<2) + [1, 2, 3, 4, 5], to: testPath)
    let sizeError = #expect(throws: ImageDataError.self) { try CIFAR10.load(directory: directory, split: .test) }
    #expect(sizeError == ImageDataError.malformed(path: testPath, reason: "size 6151 bytes is not a multiple of the 3,073-byte record"))
    #expect(sizeError?.description.contains("3,073") == true)

    var badLabel = cifarBatch(0..<3)
    badLabel[3073] = 10
    try write(badLabel, to: testPath)
    let labelError = #expect(throws: ImageDataError.self) { try CIFAR10.load(directory: directory, split: .test) }
    #expect(labelError?.description.contains("record 1") == true)
    #expect(labelError?.description.contains(testPath) == true)

    let missingDirectory = directory + "/nowhere"
    #expect(throws: ImageDataError.missing(path: missingDirectory, what: "CIFAR10 binary batches (cifar-10-batches-bin)")) {
      try CIFAR10.load(directory: missingDirectory, split: .training)
    }

    let thirdBatch = directory + "/data_batch_3.bin"
    try FileManager.default.removeItem(atPath: thirdBatch)
    let missingError = #expect(throws: ImageDataError.self) { try CIFAR10.load(directory: directory, split: .training) }
    if case .missing(let path, _)? = missingError {
      #expect(path == thirdBatch)
    } else {
      Issue.record("expected a missing-file error, got \(String(describing: missingError))")
    }
  }
}
