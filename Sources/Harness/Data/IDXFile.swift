import Foundation

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
    return try GzipStream(path: path).readToEnd()
  }

  /// `0x0D` for 13.
  static func hex(_ byte: UInt8) -> String {
    "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
  }
}
