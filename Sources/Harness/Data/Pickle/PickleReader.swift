/// A pickle reader for CIFAR10's python batches: a stack machine over the opcodes those files use
/// (``PickleOpcode``), protocols 2 to 5.
///
/// It builds only data (``PickleValue``, ``PickleObject``): the callables a pickle names must be
/// on the allow-list of ``PickleCallable`` and their results are computed here; nothing is
/// imported or run. Every problem is one ``ImageDataError/malformed(path:reason:)`` naming the
/// file, the opcode and its byte offset.
struct PickleReader {
  /// The protocols accepted: 2 (Python 2's cPickle, CIFAR10's own files) to 5.
  static let protocols: ClosedRange<UInt8> = 2...5
  /// The most values the stack may hold (a CIFAR10 batch needs about 10,000).
  static let stackLimit = 1 << 20
  /// The most composite values a pickle may create (a CIFAR10 batch needs about 20,000).
  static let objectLimit = 1 << 22

  let path: String
  let input: [UInt8]
  var position = 0
  /// The opcode being run and its offset, for messages.
  var current: (opcode: PickleOpcode, offset: Int) = (.proto, 0)
  var stack: [PickleValue] = []
  var marks: [Int] = []
  var memo: [Int: PickleValue] = [:]
  var objects: [PickleObject] = []

  /// Reads the pickle `input`, the contents of the file `path`.
  /// - Throws: ``ImageDataError/malformed(path:reason:)`` for anything but a whole pickle of the
  ///   accepted opcodes and callables, with nothing after its STOP.
  static func read(_ input: [UInt8], path: String) throws -> Pickle {
    var reader = PickleReader(path: path, input: input)
    try reader.readProtocol()
    while true {
      let offset = reader.position
      guard offset < input.count else { throw reader.failure("truncated: the pickle ends at byte \(offset) before its STOP opcode") }
      guard let opcode = PickleOpcode(rawValue: input[offset]) else {
        throw reader.failure("unsupported pickle opcode \(IDXFile.hex(input[offset])) at byte \(offset) (not one a CIFAR10 batch uses)")
      }
      reader.position += 1
      reader.current = (opcode, offset)
      if opcode == .stop { return try reader.finish() }
      try reader.execute(opcode)
    }
  }

  /// Checks the PROTO opcode that opens every pickle of protocol 2 or later.
  private mutating func readProtocol() throws {
    guard !input.isEmpty else { throw failure("is empty, expected a pickled CIFAR10 batch") }
    guard input.count >= 2, input[0] == PickleOpcode.proto.rawValue else {
      let start = input.prefix(2).map(IDXFile.hex).joined(separator: " ")
      throw failure("not a pickle of protocol 2 to 5 (starts with \(start), expected 0x80 and the protocol number)")
    }
    guard PickleReader.protocols.contains(input[1]) else {
      throw failure("pickle protocol \(input[1]) is not supported (2 to 5 are)")
    }
    position = 2
  }

  /// The result of STOP: the one value left on the stack, with no open MARK and nothing after.
  private mutating func finish() throws -> Pickle {
    guard stack.count == 1, marks.isEmpty else {
      throw malformed("leaves \(stack.count) values and \(marks.count) open MARKs, expected one value")
    }
    guard position == input.count else { throw failure("has \(input.count - position) bytes after the pickle's STOP opcode at byte \(current.offset)") }
    return Pickle(root: stack[0], objects: objects)
  }

  /// Runs one opcode other than STOP.
  private mutating func execute(_ opcode: PickleOpcode) throws {
    switch opcode {
    case .proto, .frame, .stop, .mark, .pop, .popMark: try executeControl(opcode)
    case .none, .newTrue, .newFalse, .binInt, .binInt1, .binInt2, .long1: try pushNumber(opcode)
    case .binString, .shortBinString, .binBytes, .shortBinBytes, .binBytes8, .byteArray8: try pushBytes(opcode)
    case .binUnicode, .shortBinUnicode, .binUnicode8: try pushText(opcode)
    case .emptyList, .list, .append, .appends, .emptyTuple, .tuple, .tuple1, .tuple2, .tuple3: try executeSequence(opcode)
    case .emptyDictionary, .dictionary, .setItem, .setItems: try executeDictionary(opcode)
    case .binPut, .longBinPut, .memoize, .binGet, .longBinGet: try executeMemo(opcode)
    case .global, .stackGlobal, .reduce, .build: try executeCall(opcode)
    }
  }

  /// PROTO (only first), FRAME (its contents are read as they come), MARK, POP, POP_MARK.
  private mutating func executeControl(_ opcode: PickleOpcode) throws {
    switch opcode {
    case .frame:
      let length = try unsigned(8)
      guard length <= UInt64(input.count - position) else { throw truncated(needing: length) }
    case .mark:
      guard stack.count + marks.count < PickleReader.stackLimit else { throw malformed("opens more than \(PickleReader.stackLimit) values") }
      marks.append(stack.count)
    case .pop: _ = try pop()
    case .popMark: _ = try popMark()
    default: throw malformed("may appear only at the start of the pickle")
    }
  }

  /// NONE, NEWTRUE, NEWFALSE and the binary integers.
  private mutating func pushNumber(_ opcode: PickleOpcode) throws {
    switch opcode {
    case .none: try push(.none)
    case .newTrue, .newFalse: try push(.bool(opcode == .newTrue))
    case .binInt: try push(.integer(Int(Int32(truncatingIfNeeded: try unsigned(4)))))
    case .binInt1: try push(.integer(Int(try unsigned(1))))
    case .binInt2: try push(.integer(Int(try unsigned(2))))
    default:
      let width = Int(try unsigned(1))
      guard width <= 8 else { throw malformed("holds a \(width)-byte integer, more than 64 bits") }
      let bits = try unsigned(width)
      let shift = UInt64(64 - 8 * width)
      try push(.integer(width == 0 ? 0 : Int(Int64(bitPattern: bits << shift) >> Int64(shift))))
    }
  }

  /// The byte strings: Python 2's `str` (BINSTRING, SHORT_BINSTRING), Python 3's `bytes` and
  /// `bytearray`.
  private mutating func pushBytes(_ opcode: PickleOpcode) throws {
    let length: UInt64
    switch opcode {
    case .shortBinString, .shortBinBytes: length = try unsigned(1)
    case .binString:
      let signed = Int32(truncatingIfNeeded: try unsigned(4))
      guard signed >= 0 else { throw malformed("has the negative length \(signed)") }
      length = UInt64(signed)
    case .binBytes: length = try unsigned(4)
    default: length = try unsigned(8)
    }
    try push(.bytes(Array(try take(length))))
  }

  /// The UTF-8 text strings.
  private mutating func pushText(_ opcode: PickleOpcode) throws {
    let length = try unsigned(opcode == .shortBinUnicode ? 1 : opcode == .binUnicode ? 4 : 8)
    guard let text = String(validating: try take(length), as: UTF8.self) else { throw malformed("holds text that is not UTF-8") }
    try push(.text(text))
  }

  /// BINPUT, LONG_BINPUT and MEMOIZE store the top value; BINGET and LONG_BINGET push a stored one.
  private mutating func executeMemo(_ opcode: PickleOpcode) throws {
    switch opcode {
    case .binGet, .longBinGet:
      let key = Int(try unsigned(opcode == .binGet ? 1 : 4))
      guard let value = memo[key] else { throw malformed("reads memo entry \(key), which was never stored") }
      try push(value)
    default:
      let key = opcode == .memoize ? memo.count : Int(try unsigned(opcode == .binPut ? 1 : 4))
      guard let top = stack.last, marks.last.map({ $0 < stack.count }) ?? true else { throw malformed("has no value to store") }
      memo[key] = top
    }
  }
}
