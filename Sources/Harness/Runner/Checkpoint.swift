import CZlib
import FlowCore
import Foundation

/// The checkpoint file format: a JSON header and Float32 tensors framed by a versioned magic, a
/// CRC-32 and a trailer. ``TrainingState`` says what goes in the header and in which order the
/// tensors follow; this type checks that what comes back is an intact file of this format.
///
/// File layout (little-endian): the magic `LIPFLOW-CHECKPOINT-3\n` (the digit is the format
/// version), a UInt64 header length, the JSON header, the Float32 data of every tensor in the
/// order the header lists them, then the CRC-32 of everything before it as a UInt32 and the
/// trailer `END\n`. A truncated or altered file fails the length or CRC check; a file of another
/// format version is refused naming both versions.
public struct Checkpoint {
  /// The format version this code writes and reads.
  public static let formatVersion = 3
  static let magicPrefix = Data("LIPFLOW-CHECKPOINT-".utf8)
  static let magic = magicPrefix + Data("\(formatVersion)\n".utf8)
  static let trailer = Data("END\n".utf8)

  /// The file, for messages.
  let path: String
  /// The JSON header.
  let header: Data
  /// The tensor data between the header and the checksum.
  let body: Data
  /// The read position in `body`.
  private var offset: Int

  /// Frames `header` and `tensors` as a file.
  static func encode(header: Data, tensors: [Tensor]) -> Data {
    var data = magic
    var length = UInt64(header.count).littleEndian
    withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
    data.append(header)
    for tensor in tensors {
      tensor.scalars.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
    }
    var checksum = crc32(data).littleEndian
    withUnsafeBytes(of: &checksum) { data.append(contentsOf: $0) }
    data.append(trailer)
    return data
  }

  /// Checks the magic, version, trailer and checksum of a file's contents and splits off the
  /// header.
  /// - Throws: ``HarnessError/checkpointFormat(path:found:reads:)`` for another format version,
  ///   ``HarnessError/corruptCheckpoint(path:reason:)`` naming what else is wrong.
  init(decoding data: Data, path: String) throws(HarnessError) {
    func corrupt(_ reason: String) -> HarnessError { .corruptCheckpoint(path: path, reason: reason) }
    let minimum = Checkpoint.magic.count + 8 + 4 + Checkpoint.trailer.count
    guard data.count >= minimum else { throw corrupt("file is \(data.count) bytes, shorter than any checkpoint (truncated?)") }
    guard data.prefix(Checkpoint.magicPrefix.count) == Checkpoint.magicPrefix else { throw corrupt("not a LipFlow checkpoint (wrong magic bytes)") }
    guard data.prefix(Checkpoint.magic.count) == Checkpoint.magic else {
      let version = String(decoding: data.dropFirst(Checkpoint.magicPrefix.count).prefix { $0 != 0x0A }.prefix(8), as: UTF8.self)
      throw .checkpointFormat(path: path, found: version, reads: Checkpoint.formatVersion)
    }
    guard data.suffix(Checkpoint.trailer.count) == Checkpoint.trailer else { throw corrupt("missing end marker (truncated write?)") }
    let bodyEnd = data.count - Checkpoint.trailer.count - 4
    let stored = data.subdata(in: bodyEnd..<(bodyEnd + 4)).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian
    let actual = Checkpoint.crc32(data.subdata(in: 0..<bodyEnd))
    guard stored == actual else { throw corrupt(String(format: "CRC-32 mismatch (stored %08x, computed %08x)", stored, actual)) }
    let start = Checkpoint.magic.count + 8
    let length = Int(data.subdata(in: (start - 8)..<start).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian)
    guard length > 0, length <= bodyEnd - start else { throw corrupt("header length \(length) exceeds the file") }
    self.path = path
    header = data.subdata(in: start..<(start + length))
    body = data.subdata(in: (start + length)..<bodyEnd)
    offset = 0
  }

  /// Reads the next tensor, of `shape`, called `name` in messages.
  mutating func nextTensor(_ name: String, shape: [Int]) throws(HarnessError) -> Tensor {
    let bytes = shape.reduce(Optional(MemoryLayout<Float>.size)) { total, extent in
      guard let total, extent >= 0 else { return nil }
      let (product, overflow) = total.multipliedReportingOverflow(by: extent)
      return overflow ? nil : product
    }
    guard let bytes, bytes <= body.count - offset else {
      throw .corruptCheckpoint(path: path, reason: "tensor \(name) \(shape) runs past the data")
    }
    let scalars = body.subdata(in: offset..<(offset + bytes)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    offset += bytes
    return Tensor(shape: shape, scalars: scalars)
  }

  /// Checks that every byte of the tensor data was read.
  func finish() throws(HarnessError) {
    guard offset == body.count else { throw .corruptCheckpoint(path: path, reason: "\(body.count - offset) unexpected bytes after the tensors") }
  }

  /// zlib's CRC-32.
  static func crc32(_ data: Data) -> UInt32 {
    data.withUnsafeBytes { buffer in
      var crc: uLong = CZlib.crc32(0, nil, 0)
      var offset = 0
      while offset < buffer.count, let base = buffer.baseAddress {
        let chunk = min(buffer.count - offset, 1 << 30)
        crc = CZlib.crc32(crc, base.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(chunk))
        offset += chunk
      }
      return UInt32(truncatingIfNeeded: crc)
    }
  }
}
