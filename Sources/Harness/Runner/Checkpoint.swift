import CZlib
import FlowCore
import Foundation

/// Everything a training run needs to continue bit for bit: named tensors (parameters, optimizer
/// moments, power-iteration vectors, averages), random-stream states and a few integers.
///
/// File layout (little-endian): the magic `LIPFLOW-CHECKPOINT-2\n` (the digit is the format
/// version), a UInt64 header length, a JSON header (owner, iteration, integers, streams, tensor
/// names and shapes), the Float32 data of every tensor in header order, then the CRC-32 of
/// everything before it as a UInt32 and the trailer `END\n`. A truncated or altered file fails the
/// length or CRC check; a file of another format version is refused by name.
public struct Checkpoint: Equatable {
  /// The run and resolved configuration the state belongs to; a checkpoint is restored only into
  /// the run it names.
  public var owner: CheckpointOwner?
  /// Iterations completed.
  public var iteration: Int
  /// Named integers (optimizer step, ...).
  public var integers: [String: Int] = [:]
  /// Named random-stream states.
  public var streams: [String: RandomStream] = [:]
  /// Named tensors, in a fixed order.
  public var tensors: [(name: String, tensor: Tensor)] = []

  /// Creates a checkpoint at `iteration`.
  public init(iteration: Int) {
    self.iteration = iteration
  }

  public static func == (a: Checkpoint, b: Checkpoint) -> Bool {
    a.owner == b.owner && a.iteration == b.iteration && a.integers == b.integers && a.streams == b.streams
      && a.tensors.map(\.name) == b.tensors.map(\.name) && zip(a.tensors, b.tensors).allSatisfy { $0.tensor == $1.tensor }
  }

  /// The format version this code writes and reads.
  public static let formatVersion = 2
  static let magicPrefix = Data("LIPFLOW-CHECKPOINT-".utf8)
  static let magic = magicPrefix + Data("\(formatVersion)\n".utf8)
  static let trailer = Data("END\n".utf8)

  struct Header: Codable {
    var owner: CheckpointOwner?
    var iteration: Int
    var integers: [String: Int]
    var streams: [String: [UInt64]]
    var names: [String]
    var shapes: [[Int]]
  }

  /// The tensors with names starting with `prefix`, in order.
  public func tensors(withPrefix prefix: String) -> [Tensor] {
    tensors.filter { $0.name.hasPrefix(prefix) }.map(\.tensor)
  }

  /// The encoded file contents.
  public func encoded() throws -> Data {
    let header = Header(
      owner: owner, iteration: iteration, integers: integers, streams: streams.mapValues { [$0.key, $0.position, $0.splits] },
      names: tensors.map(\.name), shapes: tensors.map(\.tensor.shape))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = try encoder.encode(header)
    var data = Checkpoint.magic
    var length = UInt64(json.count).littleEndian
    withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
    data.append(json)
    for (_, tensor) in tensors {
      tensor.scalars.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
    }
    var checksum = Checkpoint.crc32(data).littleEndian
    withUnsafeBytes(of: &checksum) { data.append(contentsOf: $0) }
    data.append(Checkpoint.trailer)
    return data
  }

  /// Decodes and verifies a checkpoint file's contents.
  /// - Throws: ``HarnessError/corruptCheckpoint(path:reason:)`` naming what is wrong.
  public init(decoding data: Data, path: String) throws {
    func corrupt(_ reason: String) -> HarnessError { .corruptCheckpoint(path: path, reason: reason) }
    let minimum = Checkpoint.magic.count + 8 + 4 + Checkpoint.trailer.count
    guard data.count >= minimum else { throw corrupt("file is \(data.count) bytes, shorter than any checkpoint (truncated?)") }
    guard data.prefix(Checkpoint.magicPrefix.count) == Checkpoint.magicPrefix else { throw corrupt("not a LipFlow checkpoint (wrong magic bytes)") }
    guard data.prefix(Checkpoint.magic.count) == Checkpoint.magic else {
      let version = String(decoding: data.dropFirst(Checkpoint.magicPrefix.count).prefix { $0 != 0x0A }.prefix(8), as: UTF8.self)
      throw corrupt("checkpoint format version \(version) (another LipFlow version); this version reads format \(Checkpoint.formatVersion) only")
    }
    guard data.suffix(Checkpoint.trailer.count) == Checkpoint.trailer else { throw corrupt("missing end marker (truncated write?)") }
    let bodyEnd = data.count - Checkpoint.trailer.count - 4
    let stored = data.subdata(in: bodyEnd..<(bodyEnd + 4)).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian
    let actual = Checkpoint.crc32(data.subdata(in: 0..<bodyEnd))
    guard stored == actual else { throw corrupt(String(format: "CRC-32 mismatch (stored %08x, computed %08x)", stored, actual)) }
    var offset = Checkpoint.magic.count
    let length = Int(data.subdata(in: offset..<(offset + 8)).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian)
    offset += 8
    guard length > 0, offset + length <= bodyEnd else { throw corrupt("header length \(length) exceeds the file") }
    let header: Header
    do { header = try JSONDecoder().decode(Header.self, from: data.subdata(in: offset..<(offset + length))) } catch {
      throw corrupt("unreadable header (\(error))")
    }
    offset += length
    guard header.names.count == header.shapes.count else { throw corrupt("header lists \(header.names.count) names but \(header.shapes.count) shapes") }
    owner = header.owner
    iteration = header.iteration
    integers = header.integers
    streams = try header.streams.mapValues {
      guard $0.count == 3 else { throw corrupt("random-stream state needs 3 numbers") }
      return RandomStream(key: $0[0], position: $0[1], splits: $0[2])
    }
    for (name, shape) in zip(header.names, header.shapes) {
      let count = shape.reduce(1, *)
      let bytes = count * MemoryLayout<Float>.size
      guard shape.allSatisfy({ $0 >= 0 }), offset + bytes <= bodyEnd else { throw corrupt("tensor \(name) \(shape) runs past the data") }
      let scalars = data.subdata(in: offset..<(offset + bytes)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      tensors.append((name, Tensor(shape: shape, scalars: scalars)))
      offset += bytes
    }
    guard offset == bodyEnd else { throw corrupt("\(bodyEnd - offset) unexpected bytes after the tensors") }
  }

  /// zlib's CRC-32.
  static func crc32(_ data: Data) -> UInt32 {
    data.withUnsafeBytes { buffer in
      var crc: uLong = CZlib.crc32(0, nil, 0)
      var offset = 0
      while offset < buffer.count {
        let chunk = min(buffer.count - offset, 1 << 30)
        crc = CZlib.crc32(crc, buffer.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(chunk))
        offset += chunk
      }
      return UInt32(truncatingIfNeeded: crc)
    }
  }
}

/// The two newest checkpoints of a run directory: `checkpoint.bin` and the one before it,
/// `checkpoint.previous.bin`, used when the newest turns out torn or corrupt.
public struct CheckpointStore {
  /// The run directory.
  public let directory: String

  /// Creates the store.
  public init(directory: String) {
    self.directory = directory
  }

  var latestPath: String { directory + "/checkpoint.bin" }
  var previousPath: String { directory + "/checkpoint.previous.bin" }

  /// Saves atomically, keeping the current newest as the previous one.
  public func save(_ checkpoint: Checkpoint) throws {
    let data = try checkpoint.encoded()
    if FileManager.default.fileExists(atPath: latestPath) {
      _ = try? FileManager.default.removeItem(atPath: previousPath)
      guard rename(latestPath, previousPath) == 0 else {
        throw HarnessError.io(path: previousPath, reason: String(cString: strerror(errno)))
      }
    }
    try AtomicFile.write(data, to: latestPath)
  }

  /// The newest readable checkpoint, nil when there is none; `warn` hears about files skipped.
  public func loadNewest(warn: (String) -> Void) -> Checkpoint? {
    loadNewest(accepting: { _ in }, warn: warn)
  }

  /// The newest checkpoint that reads back intact and that `accept` takes without throwing (it
  /// checks the owner and restores the state), nil when there is none; `warn` hears about every
  /// file skipped and why. `accept` must leave the model untouched when it throws.
  public func loadNewest(accepting accept: (Checkpoint) throws -> Void, warn: (String) -> Void) -> Checkpoint? {
    for path in [latestPath, previousPath] {
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      do {
        let checkpoint = try Checkpoint(decoding: data, path: path)
        do { try accept(checkpoint) } catch { throw HarnessError.corruptCheckpoint(path: path, reason: "\(error)") }
        return checkpoint
      } catch {
        warn("\(error); trying an older checkpoint")
      }
    }
    return nil
  }
}

/// The run a checkpoint belongs to: its identifier and the hash of its resolved configuration.
public struct CheckpointOwner: Codable, Equatable, Sendable, CustomStringConvertible {
  /// The run identifier.
  public var run: String
  /// ``Provenance/hash(_:)`` of the run's resolved `spec.yaml`.
  public var specHash: String

  /// Creates an owner.
  public init(run: String, specHash: String) {
    self.run = run
    self.specHash = specHash
  }

  /// `run resflow-moons (spec hash 0123…)`.
  public var description: String { "run \(run) (spec hash \(specHash))" }
}
