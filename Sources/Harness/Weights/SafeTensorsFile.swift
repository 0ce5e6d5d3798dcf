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
    let decoder = SafeTensorsDecoder(data: data, path: path)
    let headerLength = try decoder.headerLength()
    let header = try decoder.header(length: headerLength)
    let metadata = try decoder.metadata(in: header)
    let dataStart = 8 + headerLength
    let dataLength = data.count - dataStart
    let entries = try decoder.entries(in: header, dataLength: dataLength)
    try decoder.checkCoverage(of: entries, dataLength: dataLength)
    self.metadata = metadata
    tensors = decoder.tensors(entries, dataStart: dataStart)
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
