import FlowCore
import Foundation

/// The element types a safetensors file may declare that this reader converts to `Float`.
public enum SafeTensorsDataType: String, CaseIterable, Sendable {
  /// IEEE binary32, what this package computes in and writes.
  case float32 = "F32"
  /// IEEE binary64, rounded to the nearest `Float`.
  case float64 = "F64"
  /// IEEE binary16.
  case float16 = "F16"
  /// bfloat16 (the top 16 bits of a binary32).
  case bfloat16 = "BF16"
  /// 64-bit signed integers (PyTorch's ActNorm `initialized` flag), converted exactly when |v| < 2²⁴.
  case int64 = "I64"
  /// 32-bit signed integers.
  case int32 = "I32"

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .float32, .int32: return 4
    case .float64, .int64: return 8
    case .float16, .bfloat16: return 2
    }
  }
}

/// A safetensors file (Hugging Face's format, as PyTorch users exchange `state_dict`s):
/// an 8-byte little-endian header length n, n bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`
/// (offsets relative to the first byte after the header), then the raw little-endian, row-major data.
///
/// Reading converts every tensor to `Float` (F32, F64, F16, BF16, I64, I32) and refuses, naming the
/// file and the tensor: a truncated file, a header length past the end, a header that is not a JSON
/// object of entries, an unknown dtype, a shape whose byte count differs from its offsets, and
/// offsets that overlap, leave gaps or run past the data. Writing produces F32 tensors in name
/// order, atomically.
public struct SafeTensorsFile: Equatable {
  /// The tensors, in the order of their data in the file (name order for files this type writes).
  public var tensors: [(name: String, tensor: Tensor)]
  /// The free-form `__metadata__` strings.
  public var metadata: [String: String]

  /// The largest header this reader accepts (the reference reader's limit: 100 MB).
  public static let maximumHeaderLength = 100_000_000

  /// Creates a file's contents.
  public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  public static func == (a: SafeTensorsFile, b: SafeTensorsFile) -> Bool {
    a.metadata == b.metadata && a.tensors.map(\.name) == b.tensors.map(\.name)
      && zip(a.tensors, b.tensors).allSatisfy { $0.tensor.shape == $1.tensor.shape && $0.tensor.scalars.elementsEqual($1.tensor.scalars) { $0.bitPattern == $1.bitPattern } }
  }

  /// The tensor called `name`, nil when there is none.
  public func tensor(named name: String) -> Tensor? {
    tensors.first { $0.name == name }?.tensor
  }

  /// Reads and checks the file at `path`.
  /// - Throws: ``HarnessError/io(path:reason:)`` when it cannot be read,
  ///   ``HarnessError/invalidWeights(path:reason:)`` when it is not a well-formed safetensors file.
  public static func read(path: String) throws -> SafeTensorsFile {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw HarnessError.io(path: path, reason: FileOperations.reason(for: error))
    }
    return try SafeTensorsFile(decoding: data, path: path)
  }

  /// Decodes and checks a file's bytes; `path` names it in errors.
  public init(decoding data: Data, path: String) throws {
    func invalid(_ reason: String) -> HarnessError { .invalidWeights(path: path, reason: "not a valid safetensors file: " + reason) }
    guard data.count >= 8 else { throw invalid("\(data.count) bytes, shorter than the 8-byte header length (truncated?)") }
    let declared = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self) }.littleEndian
    guard declared <= UInt64(data.count - 8) else {
      throw invalid("header length \(declared) runs past the end of the file (\(data.count - 8) bytes after the length; truncated?)")
    }
    guard declared <= UInt64(SafeTensorsFile.maximumHeaderLength) else { throw invalid("header length \(declared) is over the 100 MB limit") }
    let headerLength = Int(declared)
    let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + headerLength))
    guard headerBytes.first == UInt8(ascii: "{") else { throw invalid("the header does not start with '{' (not JSON)") }
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: headerBytes) } catch {
      throw invalid("the header is not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "unreadable"))")
    }
    guard let header = parsed as? [String: Any] else { throw invalid("the header is not a JSON object") }
    var metadata: [String: String] = [:]
    if let raw = header["__metadata__"] {
      guard let strings = raw as? [String: Any] else { throw invalid("__metadata__ is not an object of strings") }
      for (key, value) in strings {
        guard let text = value as? String else { throw invalid("__metadata__ entry '\(key)' is not a string") }
        metadata[key] = text
      }
    }
    let dataStart = 8 + headerLength
    let dataLength = data.count - dataStart
    struct Entry {
      var name: String
      var type: SafeTensorsDataType
      var shape: [Int]
      var begin: Int
      var end: Int
    }
    var entries: [Entry] = []
    for name in header.keys.sorted() where name != "__metadata__" {
      func bad(_ reason: String) -> HarnessError { invalid("tensor '\(name)': " + reason) }
      guard let fields = header[name] as? [String: Any] else { throw bad("its entry is not an object") }
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
      let (count, overflow) = shape.reduce((1, false)) { partial, extent in
        let product = partial.0.multipliedReportingOverflow(by: extent)
        return (product.partialValue, partial.1 || product.overflow)
      }
      guard !overflow, count <= Int.max / 8 else { throw bad("shape \(shape) is too large") }
      guard count * type.size == offsets[1] - offsets[0] else {
        throw bad("shape \(shape) of \(typeName) needs \(count * type.size) bytes, its data_offsets [\(offsets[0]), \(offsets[1])] hold \(offsets[1] - offsets[0])")
      }
      entries.append(Entry(name: name, type: type, shape: shape, begin: offsets[0], end: offsets[1]))
    }
    entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
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
    self.metadata = metadata
    tensors = data.withUnsafeBytes { raw in
      entries.map { entry in
        let base = dataStart + entry.begin
        let count = (entry.end - entry.begin) / entry.type.size
        let scalars: [Float] = (0..<count).map { index in
          let offset = base + index * entry.type.size
          switch entry.type {
          case .float32: return Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
          case .float64: return Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian))
          case .float16: return Float(SafeTensorsFile.halfToFloat(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian))
          case .bfloat16: return Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian) << 16)
          case .int64: return Float(Int64(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian))
          case .int32: return Float(Int32(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian))
          }
        }
        return (entry.name, Tensor(shape: entry.shape, scalars: scalars))
      }
    }
  }

  /// The file's bytes: every tensor as F32, in name order, the header padded with spaces to a
  /// multiple of 8 bytes (as the reference writer does) so that the data is aligned.
  /// - Throws: ``HarnessError/invalidWeights(path:reason:)`` for two tensors with one name.
  public func encoded(path: String = "(safetensors)") throws -> Data {
    let ordered = tensors.sorted { $0.name < $1.name }
    if let duplicate = zip(ordered, ordered.dropFirst()).first(where: { $0.name == $1.name }) {
      throw HarnessError.invalidWeights(path: path, reason: "two tensors are named '\(duplicate.0.name)'")
    }
    if let reserved = ordered.first(where: { $0.name == "__metadata__" }) {
      throw HarnessError.invalidWeights(path: path, reason: "a tensor may not be named '\(reserved.name)'")
    }
    var header: [String: Any] = [:]
    var offset = 0
    for (name, tensor) in ordered {
      let bytes = tensor.count * 4
      header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
      offset += bytes
    }
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
    json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
    var result = Data(capacity: 8 + json.count + offset)
    var length = UInt64(json.count).littleEndian
    withUnsafeBytes(of: &length) { result.append(contentsOf: $0) }
    result.append(json)
    for (_, tensor) in ordered {
      let words = tensor.scalars.map { $0.bitPattern.littleEndian }
      words.withUnsafeBytes { result.append(contentsOf: $0) }
    }
    return result
  }

  /// Writes the file atomically: either the whole new file is at `path` afterwards, or whatever was
  /// there before.
  public func write(to path: String) throws {
    try AtomicFile.write(try encoded(path: path), to: path)
  }

  /// JSON numbers that are all integers, else nil.
  static func integers(_ values: [Any]) -> [Int]? {
    var result: [Int] = []
    for value in values {
      guard let number = value as? NSNumber else { return nil }
      let double = number.doubleValue
      guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
      result.append(number.intValue)
    }
    return result
  }

  /// IEEE binary16 bits to a Double (subnormals, infinities and NaN included).
  static func halfToFloat(_ bits: UInt16) -> Double {
    let sign: Double = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int((bits >> 10) & 0x1F)
    let fraction = Double(bits & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
    }
  }
}
