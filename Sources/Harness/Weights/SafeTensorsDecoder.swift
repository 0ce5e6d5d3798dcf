import FlowCore
import Foundation

/// The steps of reading a safetensors file's bytes (``SafeTensorsFile/init(decoding:path:)``), each
/// check throwing the error that names the file and, where there is one, the tensor.
struct SafeTensorsDecoder {
  /// One tensor's header entry, checked against its dtype and the length of the data.
  struct Entry {
    var name: String
    var type: SafeTensorsDataType
    var shape: [Int]
    var begin: Int
    var end: Int
  }

  /// The file's bytes.
  let data: Data
  /// The file's path, for errors.
  let path: String

  func invalid(_ reason: String) -> HarnessError {
    .invalidWeights(path: path, reason: "not a valid safetensors file: " + reason)
  }

  /// The header length the first 8 bytes declare, checked against the file's length and the limit.
  func headerLength() throws -> Int {
    guard data.count >= 8 else { throw invalid("\(data.count) bytes, shorter than the 8-byte header length (truncated?)") }
    let declared = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self) }.littleEndian
    guard declared <= UInt64(data.count - 8) else {
      throw invalid("header length \(declared) runs past the end of the file (\(data.count - 8) bytes after the length; truncated?)")
    }
    guard declared <= UInt64(SafeTensorsFile.maximumHeaderLength) else { throw invalid("header length \(declared) is over the 100 MB limit") }
    return Int(declared)
  }

  /// The JSON header of `length` bytes after the length, as an object.
  func header(length: Int) throws -> [String: Any] {
    let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + length))
    guard headerBytes.first == UInt8(ascii: "{") else { throw invalid("the header does not start with '{' (not JSON)") }
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: headerBytes) } catch {
      throw invalid("the header is not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "unreadable"))")
    }
    guard let header = parsed as? [String: Any] else { throw invalid("the header is not a JSON object") }
    return header
  }

  /// The header's `__metadata__` strings (none when it has no such entry).
  func metadata(in header: [String: Any]) throws -> [String: String] {
    var metadata: [String: String] = [:]
    guard let raw = header["__metadata__"] else { return metadata }
    guard let strings = raw as? [String: Any] else { throw invalid("__metadata__ is not an object of strings") }
    for (key, value) in strings {
      guard let text = value as? String else { throw invalid("__metadata__ entry '\(key)' is not a string") }
      metadata[key] = text
    }
    return metadata
  }

  /// Every tensor entry of the header, checked in name order, sorted by their data's position.
  func entries(in header: [String: Any], dataLength: Int) throws -> [Entry] {
    var entries: [Entry] = []
    for name in header.keys.sorted() where name != "__metadata__" {
      entries.append(try entry(name, header[name], dataLength: dataLength))
    }
    entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    return entries
  }

  /// The entry of tensor `name`: its dtype, shape and offsets, which must lie within the data and
  /// hold exactly the bytes the shape needs.
  func entry(_ name: String, _ value: Any?, dataLength: Int) throws -> Entry {
    func bad(_ reason: String) -> HarnessError { invalid("tensor '\(name)': " + reason) }
    guard let fields = value as? [String: Any] else { throw bad("its entry is not an object") }
    guard let typeName = fields["dtype"] as? String else { throw bad("no dtype") }
    guard let type = SafeTensorsDataType(rawValue: typeName) else {
      throw bad("dtype \(typeName) is not supported (supported: \(SafeTensorsDataType.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    guard let shapeValues = fields["shape"] as? [Any], let shape = SafeTensorsFile.integers(shapeValues), shape.allSatisfy({ $0 >= 0 }) else {
      throw bad("shape is not a list of non-negative integers")
    }
    guard let offsetValues = fields["data_offsets"] as? [Any], let offsets = SafeTensorsFile.integers(offsetValues), offsets.count == 2 else {
      throw bad("data_offsets is not a pair of integers")
    }
    guard offsets[0] >= 0, offsets[0] <= offsets[1] else { throw bad("data_offsets [\(offsets[0]), \(offsets[1])] are not an ascending range") }
    guard offsets[1] <= dataLength else {
      throw bad("data_offsets [\(offsets[0]), \(offsets[1])] run past the \(dataLength) bytes of data (truncated?)")
    }
    guard let count = SafeTensorsDecoder.elementCount(shape), count <= Int.max / 8 else { throw bad("shape \(shape) is too large") }
    guard count * type.size == offsets[1] - offsets[0] else {
      throw bad("shape \(shape) of \(typeName) needs \(count * type.size) bytes, its data_offsets [\(offsets[0]), \(offsets[1])] hold \(offsets[1] - offsets[0])")
    }
    return Entry(name: name, type: type, shape: shape, begin: offsets[0], end: offsets[1])
  }

  /// The product of `shape`'s extents, nil when it overflows.
  static func elementCount(_ shape: [Int]) -> Int? {
    let (count, overflow) = shape.reduce((1, false)) { partial, extent in
      let product = partial.0.multipliedReportingOverflow(by: extent)
      return (product.partialValue, partial.1 || product.overflow)
    }
    return overflow ? nil : count
  }

  /// Checks that `entries` (sorted by position) cover the `dataLength` bytes of data exactly once.
  func checkCoverage(of entries: [Entry], dataLength: Int) throws {
    var covered = 0
    for entry in entries {
      if entry.begin < covered {
        let other = entries.first { $0.name != entry.name && $0.begin < entry.end && entry.begin < $0.end && $0.end > $0.begin }
        throw invalid("tensor '\(entry.name)': data_offsets [\(entry.begin), \(entry.end)] overlap those of '\(other?.name ?? "another tensor")'")
      }
      if entry.begin > covered { throw invalid("tensor '\(entry.name)': \(entry.begin - covered) bytes before its data belong to no tensor") }
      covered = entry.end
    }
    guard covered == dataLength else { throw invalid("\(dataLength - covered) bytes after the last tensor's data belong to no tensor") }
  }

  /// The checked entries' tensors, converted to `Float`; the data starts at byte `dataStart`.
  func tensors(_ entries: [Entry], dataStart: Int) -> [(name: String, tensor: Tensor)] {
    data.withUnsafeBytes { raw in
      entries.map { entry in
        let base = dataStart + entry.begin
        let count = (entry.end - entry.begin) / entry.type.size
        let scalars: [Float] = (0..<count).map { index in
          SafeTensorsDecoder.scalar(raw, at: base + index * entry.type.size, type: entry.type)
        }
        return (entry.name, Tensor(shape: entry.shape, scalars: scalars))
      }
    }
  }

  /// The little-endian element of `type` at byte `offset` of `raw`, as a `Float`.
  static func scalar(_ raw: UnsafeRawBufferPointer, at offset: Int, type: SafeTensorsDataType) -> Float {
    switch type {
    case .float32: return Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
    case .float64: return Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian))
    case .float16: return Float(SafeTensorsFile.halfToFloat(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian))
    case .bfloat16: return Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian) << 16)
    case .int64: return Float(Int64(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian))
    case .int32: return Float(Int32(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian))
    }
  }
}
