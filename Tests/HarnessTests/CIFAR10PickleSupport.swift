import Foundation

/// Builds pickles opcode by opcode the way Python 2's cPickle writes them at protocol 2, the
/// form of the published CIFAR10 python batches (strings as SHORT_BINSTRING/BINSTRING, every
/// string, list and global stored in the memo with BINPUT).
struct PickleBuilder {
  var bytes: [UInt8] = [0x80, 2]
  private var memo = 0

  /// Appends raw opcodes.
  mutating func op(_ codes: UInt8...) { bytes += codes }

  /// BINPUT (LONG_BINPUT past 255) of the top value.
  mutating func put() {
    bytes += memo < 256 ? [0x71, UInt8(memo)] : [0x72] + littleEndian32(memo)
    memo += 1
  }

  /// A Python 2 `str`.
  mutating func string(_ value: [UInt8]) {
    bytes += value.count < 256 ? [0x55, UInt8(value.count)] : [0x54] + littleEndian32(value.count)
    bytes += value
    put()
  }

  /// A Python 2 `str` of `text`'s UTF-8 bytes.
  mutating func string(_ text: String) { string(Array(text.utf8)) }

  /// An integer as BININT1, BININT2 or BININT.
  mutating func integer(_ value: Int) {
    switch value {
    case 0..<256: bytes += [0x4B, UInt8(value)]
    case 256..<65_536: bytes += [0x4D, UInt8(value & 0xFF), UInt8(value >> 8)]
    default: bytes += [0x4A] + littleEndian32(value)
    }
  }

  /// GLOBAL `module`\n`name`\n.
  mutating func global(_ module: String, _ name: String) {
    bytes += [0x63] + Array("\(module)\n\(name)\n".utf8)
    put()
  }

  /// The low 32 bits of `value`, little-endian.
  private func littleEndian32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}

/// A CIFAR10 python batch as Python 2's cPickle wrote the published files:
/// `{'batch_label': …, 'labels': [...], 'data': <uint8 array>, 'filenames': [...]}` with the array
/// as `_reconstruct(ndarray, (0,), 'b')` given the state `(1, shape, dtype('u1'), False, bytes)`.
/// `shape` (default [labels, 3072]), the dtype code and the reconstruct global can be changed for
/// refusal tests.
func python2Batch(
  labels: [Int], pixels: [UInt8], shape: [Int]? = nil, dataType: String = "u1",
  reconstruct: (module: String, name: String) = ("numpy.core.multiarray", "_reconstruct")
) -> [UInt8] {
  var pickle = PickleBuilder()
  pickle.op(0x7D)  // EMPTY_DICT
  pickle.put()
  pickle.op(0x28)  // MARK
  pickle.string("batch_label")
  pickle.string("training batch 1 of 5")
  pickle.string("labels")
  pickle.op(0x5D, 0x71, 0xF0, 0x28)  // EMPTY_LIST, BINPUT 240, MARK
  for label in labels { pickle.integer(label) }
  pickle.op(0x65)  // APPENDS
  pickle.string("data")
  appendArray(to: &pickle, pixels: pixels, shape: shape ?? [labels.count, 3072], dataType: dataType, reconstruct: reconstruct)
  pickle.string("filenames")
  pickle.op(0x5D, 0x71, 0xF1, 0x28)
  for index in labels.indices { pickle.string("image_\(index).png") }
  pickle.op(0x65, 0x75, 0x2E)  // APPENDS, SETITEMS, STOP
  return pickle.bytes
}

/// numpy's pickle of a uint8 array: REDUCE of `_reconstruct`, then BUILD with its state.
private func appendArray(to pickle: inout PickleBuilder, pixels: [UInt8], shape: [Int], dataType: String, reconstruct: (module: String, name: String)) {
  pickle.global(reconstruct.module, reconstruct.name)
  pickle.global("numpy", "ndarray")
  pickle.integer(0)
  pickle.op(0x85)  // TUPLE1
  pickle.string("b")
  pickle.op(0x87, 0x52)  // TUPLE3, REDUCE
  pickle.put()
  pickle.op(0x28)  // MARK
  pickle.integer(1)
  pickle.op(0x28)
  for size in shape { pickle.integer(size) }
  pickle.op(0x74)  // TUPLE
  pickle.global("numpy", "dtype")
  pickle.string(dataType)
  pickle.integer(0)
  pickle.integer(1)
  pickle.op(0x87, 0x52)
  pickle.put()
  pickle.op(0x28)
  pickle.integer(3)
  pickle.string("|")
  pickle.op(0x4E, 0x4E, 0x4E, 0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x4A, 0xFF, 0xFF, 0xFF, 0xFF)  // None × 3, -1, -1
  pickle.integer(0)
  pickle.op(0x74, 0x62, 0x89)  // TUPLE, BUILD (the dtype), NEWFALSE
  pickle.string(pixels)
  pickle.op(0x74, 0x62)  // TUPLE, BUILD (the array)
}

/// The python batch of binary CIFAR10 records (label byte + 3,072 planar bytes each).
func python2Batch(binaryRecords bytes: [UInt8]) -> [UInt8] {
  let records = stride(from: 0, to: bytes.count, by: 3073).map { bytes[$0..<($0 + 3073)] }
  return python2Batch(labels: records.map { Int($0.first!) }, pixels: records.flatMap { $0.dropFirst() })
}

/// A tar archive (ustar) of `members`, closed by two zero blocks unless `closed` is false.
func tarArchive(_ members: [(name: String, contents: [UInt8])], closed: Bool = true) -> [UInt8] {
  var archive: [UInt8] = []
  for (name, contents) in members {
    var header = [UInt8](repeating: 0, count: 512)
    func field(_ offset: Int, _ text: String) { header.replaceSubrange(offset..<(offset + text.utf8.count), with: Array(text.utf8)) }
    field(0, name)
    field(100, "0000644")
    field(108, "0000000")
    field(116, "0000000")
    field(124, String(repeating: "0", count: 11 - String(contents.count, radix: 8).count) + String(contents.count, radix: 8))
    field(136, "00000000000")
    field(148, "        ")
    header[156] = UInt8(ascii: "0")
    field(257, "ustar")
    field(263, "00")
    let sum = header.reduce(0) { $0 + Int($1) }
    field(148, String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8))
    header[154] = 0
    archive += header + contents + [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
  }
  return closed ? archive + [UInt8](repeating: 0, count: 1024) : archive
}

/// The offset of the first occurrence of `pattern` in `bytes`.
func offset(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
  guard bytes.count >= pattern.count else { return nil }
  return (0...(bytes.count - pattern.count)).first { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
}

/// The python3 interpreters to try: `python3` on PATH, then the usual paths.
let pythonCandidates = ["python3", "/usr/bin/python3", "/usr/local/bin/python3"]
