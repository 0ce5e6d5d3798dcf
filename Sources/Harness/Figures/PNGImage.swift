import CZlib
import Foundation

/// An 8-bit RGB image written as PNG with zlib (signature, IHDR, one IDAT, IEND; every row
/// with filter type 0).
public struct PNGImage {
  /// Width in pixels.
  public let width: Int
  /// Height in pixels.
  public let height: Int
  /// Row-major RGB bytes, `height × width × 3`, top row first.
  public var pixels: [UInt8]

  /// A `width × height` image filled with `background`.
  public init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
    precondition(width > 0 && height > 0, "Image size must be positive")
    self.width = width
    self.height = height
    pixels = [UInt8](repeating: 0, count: width * height * 3)
    for index in 0..<(width * height) {
      pixels[3 * index] = background.0
      pixels[3 * index + 1] = background.1
      pixels[3 * index + 2] = background.2
    }
  }

  /// Sets pixel (`x`, `y`), y counted from the top; out-of-range pixels are ignored.
  public mutating func set(x: Int, y: Int, _ color: (UInt8, UInt8, UInt8)) {
    guard x >= 0, x < width, y >= 0, y < height else { return }
    let offset = 3 * (y * width + x)
    pixels[offset] = color.0
    pixels[offset + 1] = color.1
    pixels[offset + 2] = color.2
  }

  /// Copies `other` with its top-left corner at (`x`, `y`).
  public mutating func draw(_ other: PNGImage, x: Int, y: Int) {
    for row in 0..<other.height {
      for column in 0..<other.width {
        let offset = 3 * (row * other.width + column)
        set(x: x + column, y: y + row, (other.pixels[offset], other.pixels[offset + 1], other.pixels[offset + 2]))
      }
    }
  }

  /// The PNG file contents.
  public func encoded() throws -> Data {
    var raw = [UInt8]()
    raw.reserveCapacity(height * (1 + 3 * width))
    for row in 0..<height {
      raw.append(0)
      raw.append(contentsOf: pixels[(row * width * 3)..<((row + 1) * width * 3)])
    }
    var compressedLength = compressBound(uLong(raw.count))
    var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
    let status = compress2(&compressed, &compressedLength, raw, uLong(raw.count), 6)
    guard status == Z_OK else { throw HarnessError.io(path: "<png>", reason: "zlib compress2 failed with status \(status)") }
    var file = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    var header = Data()
    PNGImage.appendBigEndian(UInt32(width), to: &header)
    PNGImage.appendBigEndian(UInt32(height), to: &header)
    header.append(contentsOf: [8, 2, 0, 0, 0])
    PNGImage.appendChunk("IHDR", header, to: &file)
    PNGImage.appendChunk("IDAT", Data(compressed[0..<Int(compressedLength)]), to: &file)
    PNGImage.appendChunk("IEND", Data(), to: &file)
    return file
  }

  /// Writes the PNG atomically.
  public func write(to path: String) throws {
    try AtomicFile.write(try encoded(), to: path)
  }

  static func appendBigEndian(_ value: UInt32, to data: inout Data) {
    data.append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
  }

  static func appendChunk(_ type: String, _ body: Data, to file: inout Data) {
    appendBigEndian(UInt32(body.count), to: &file)
    var typed = Data(type.utf8)
    typed.append(body)
    file.append(typed)
    appendBigEndian(Checkpoint.crc32(typed), to: &file)
  }
}

/// A perceptually ordered colour map (dark blue → teal → yellow), interpolated linearly between
/// a few anchors, for densities and heatmaps.
public enum ColorMap {
  static let anchors: [(Double, Double, Double)] = [
    (0.267, 0.005, 0.329), (0.230, 0.322, 0.546), (0.128, 0.567, 0.551), (0.369, 0.789, 0.383), (0.993, 0.906, 0.144),
  ]

  /// The colour of `value` in [0, 1] (clamped).
  public static func color(_ value: Double) -> (UInt8, UInt8, UInt8) {
    let clamped = value.isFinite ? min(max(value, 0), 1) : 0
    let position = clamped * Double(anchors.count - 1)
    let index = min(Int(position), anchors.count - 2)
    let fraction = position - Double(index)
    let (a, b) = (anchors[index], anchors[index + 1])
    func channel(_ x: Double, _ y: Double) -> UInt8 { UInt8(((x + (y - x) * fraction) * 255).rounded()) }
    return (channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
  }

  /// A heatmap of `values` (row-major, `rows × columns`) scaled from `range`, each cell a
  /// `cell × cell` square.
  public static func heatmap(_ values: [Double], rows: Int, columns: Int, range: ClosedRange<Double>, cell: Int) -> PNGImage {
    var image = PNGImage(width: columns * cell, height: rows * cell)
    let span = max(range.upperBound - range.lowerBound, 1e-12)
    for row in 0..<rows {
      for column in 0..<columns {
        let color = color((values[row * columns + column] - range.lowerBound) / span)
        for y in 0..<cell { for x in 0..<cell { image.set(x: column * cell + x, y: row * cell + y, color) } }
      }
    }
    return image
  }
}
