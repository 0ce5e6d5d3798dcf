import FlowCore
import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// The safetensors reader and writer: round trips, conversions, and every malformed file refused
/// with its file, its tensor and the reason.
@Suite("safetensors files")
struct SafeTensorsTests {
  /// A file with a JSON header `header` (no padding) followed by `data`.
  static func file(header: String, data: [UInt8]) -> Data {
    var bytes = Data()
    var length = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
    bytes.append(Data(header.utf8))
    bytes.append(contentsOf: data)
    return bytes
  }

  /// The little-endian bytes of `values` as F32.
  static func float32(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
  }

  /// The one-line error a malformed file gives.
  static func refusal(_ data: Data, path: String = "/tmp/bad.safetensors") -> String {
    do {
      _ = try SafeTensorsFile(decoding: data, path: path)
      return "(accepted)"
    } catch {
      return "\(error)"
    }
  }

  @Test("What is written reads back bit for bit, with its metadata, in name order, the data 8-byte aligned")
  func roundTrip() throws {
    let original = SafeTensorsFile(
      tensors: [
        ("b.weight", Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .pi, -0.0, 1e-30])), ("a", Tensor(0.25)),
        ("empty", Tensor(shape: [0, 4], scalars: [])),
      ],
      metadata: ["format": "pt", "note": "quotes \" and / slashes"])
    let data = try original.encoded()
    let header = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    #expect(header % 8 == 0)
    let decoded = try SafeTensorsFile(decoding: data, path: "memory")
    #expect(decoded.tensors.map(\.name) == ["a", "b.weight", "empty"])
    #expect(decoded.metadata == original.metadata)
    #expect(decoded.tensor(named: "b.weight")?.scalars.map(\.bitPattern) == original.tensors[0].tensor.scalars.map(\.bitPattern))
    #expect(decoded.tensor(named: "a")?.shape == [])
  }

  @Test("F64, F16, BF16 and I64 tensors are converted to Float")
  func conversions() throws {
    let double = withUnsafeBytes(of: (1.0 / 3.0).bitPattern.littleEndian) { Array($0) }
    let half: [UInt8] = [0x00, 0x3C, 0x00, 0xC0]  // 1, −2
    let brain: [UInt8] = [0x49, 0x40]  // 3.140625
    let integer = withUnsafeBytes(of: Int64(-7).littleEndian) { Array($0) }
    let header = #"{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"h":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"#
      + #""b":{"dtype":"BF16","shape":[],"data_offsets":[12,14]},"i":{"dtype":"I64","shape":[1],"data_offsets":[14,22]}}"#
    let decoded = try SafeTensorsFile(decoding: Self.file(header: header, data: double + half + brain + integer), path: "memory")
    #expect(decoded.tensor(named: "d")?.scalars == [Float(1.0 / 3.0)])
    #expect(decoded.tensor(named: "h")?.scalars == [1, -2])
    #expect(decoded.tensor(named: "b")?.scalars == [3.140625])
    #expect(decoded.tensor(named: "i")?.scalars == [-7])
  }

  @Test("A truncated file is refused with its path")
  func truncated() throws {
    let good = try SafeTensorsFile(tensors: [("w", Tensor(shape: [4], scalars: [1, 2, 3, 4]))]).encoded()
    #expect(Self.refusal(good.prefix(5)).hasPrefix("/tmp/bad.safetensors: not a valid safetensors file: 5 bytes, shorter than the 8-byte header length"))
    #expect(Self.refusal(good.dropLast(3)).contains("tensor 'w': data_offsets [0, 16] run past the 13 bytes of data (truncated?)"))
  }

  @Test("A header length past the end of the file is refused")
  func headerLengthPastTheEnd() {
    var data = Self.file(header: "{}", data: [])
    data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(4096).littleEndian) { Array($0) })
    #expect(Self.refusal(data).contains("header length 4096 runs past the end of the file"))
  }

  @Test("A header that is not JSON, or not an object of entries, is refused")
  func badJSON() {
    #expect(Self.refusal(Self.file(header: #"{"w": {"dtype": "F32", "#, data: [])).contains("the header is not valid JSON"))
    #expect(Self.refusal(Self.file(header: "[1, 2]", data: [])).contains("does not start with '{'"))
    #expect(Self.refusal(Self.file(header: #"{"w": 3}"#, data: [])).contains("tensor 'w': its entry is not an object"))
    #expect(Self.refusal(Self.file(header: #"{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}"#, data: [])).contains("tensor 'w': shape is not a list of non-negative integers"))
  }

  @Test("Overlapping, gapped or out-of-range offsets are refused, naming the tensors")
  func offsets() {
    let data = Self.float32([1, 2, 3, 4])
    let overlapping = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
    #expect(Self.refusal(Self.file(header: overlapping, data: data)).contains("tensor 'b': data_offsets [4, 12] overlap those of 'a'"))
    let gap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
    #expect(Self.refusal(Self.file(header: gap, data: data)).contains("tensor 'a': 8 bytes before its data belong to no tensor"))
    let trailing = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    #expect(Self.refusal(Self.file(header: trailing, data: data)).contains("8 bytes after the last tensor's data belong to no tensor"))
    let backwards = #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#
    #expect(Self.refusal(Self.file(header: backwards, data: data)).contains("tensor 'a': data_offsets [8, 0] are not an ascending range"))
  }

  @Test("An unknown dtype, or a shape that does not fit its byte count, is refused")
  func dtypeAndShape() {
    let data = Self.float32([1, 2])
    let unknown = #"{"flag":{"dtype":"BOOL","shape":[8],"data_offsets":[0,8]}}"#
    #expect(Self.refusal(Self.file(header: unknown, data: data)).contains("tensor 'flag': dtype BOOL is not supported (supported: F32, F64, F16, BF16, I64, I32)"))
    let mismatch = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
    #expect(Self.refusal(Self.file(header: mismatch, data: data)).contains("tensor 'w': shape [3] of F32 needs 12 bytes, its data_offsets [0, 8] hold 8"))
  }

  @Test("Writing is atomic: a failed write leaves the previous file, a write leaves no temporary file")
  func atomicWrite() throws {
    let directory = temporaryDirectory("safetensors")
    let path = directory + "/weights.safetensors"
    try SafeTensorsFile(tensors: [("w", Tensor(shape: [1], scalars: [1]))]).write(to: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let duplicate = SafeTensorsFile(tensors: [("w", Tensor(2)), ("w", Tensor(3))])
    #expect(throws: HarnessError.invalidWeights(path: path, reason: "two tensors are named 'w'")) { try duplicate.write(to: path) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["weights.safetensors"])
  }
}
