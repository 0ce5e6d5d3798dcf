/// Operands, the stack, the object table and messages of ``PickleReader``.
extension PickleReader {
  /// The next `count` bytes of the input.
  mutating func take(_ count: UInt64) throws -> ArraySlice<UInt8> {
    guard count <= UInt64(input.count - position) else { throw truncated(needing: count) }
    let start = position
    position += Int(count)
    return input[start..<position]
  }

  /// A little-endian unsigned integer of `width` bytes (at most 8).
  mutating func unsigned(_ width: Int) throws -> UInt64 {
    try take(UInt64(width)).reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }

  /// A line ended by `\n` (GLOBAL's module and name), without the `\n`.
  mutating func line() throws -> String {
    guard let end = input[position...].firstIndex(of: 0x0A) else {
      throw failure("truncated: \(current.opcode.name) at byte \(current.offset) has a name without its end of line")
    }
    let text = String(decoding: input[position..<end], as: UTF8.self)
    position = end + 1
    return text
  }

  /// Pushes `value`.
  mutating func push(_ value: PickleValue) throws {
    guard stack.count + marks.count < PickleReader.stackLimit else { throw malformed("pushes more than \(PickleReader.stackLimit) values") }
    stack.append(value)
  }

  /// Pops the top value, which must be above the last MARK.
  mutating func pop() throws -> PickleValue {
    guard !stack.isEmpty, marks.last.map({ $0 < stack.count }) ?? true else { throw malformed("finds no value on the stack") }
    return stack.removeLast()
  }

  /// Pops `count` values, the deepest first.
  mutating func pop(_ count: Int) throws -> [PickleValue] {
    guard stack.count - (marks.last ?? 0) >= count else { throw malformed("needs \(count == 1 ? "a value" : "\(count) values") on the stack") }
    defer { stack.removeLast(count) }
    return Array(stack.suffix(count))
  }

  /// Pops the values above the last MARK and the MARK.
  mutating func popMark() throws -> [PickleValue] {
    guard let mark = marks.popLast() else { throw malformed("has no MARK to close") }
    defer { stack.removeSubrange(mark...) }
    return Array(stack[mark...])
  }

  /// Index in the object table of the top value, which must be a composite value (not popped).
  func topObject() throws -> Int {
    guard let top = stack.last, marks.last.map({ $0 < stack.count }) ?? true else { throw malformed("finds no value on the stack") }
    guard case .object(let index) = top else { throw malformed("applies to \(kind(of: top)), not a list, dictionary or numpy value") }
    return index
  }

  /// Adds `object` to the table and returns a reference to it.
  mutating func newObject(_ object: PickleObject) throws -> PickleValue {
    guard objects.count < PickleReader.objectLimit else { throw malformed("creates more than \(PickleReader.objectLimit) objects") }
    objects.append(object)
    return .object(objects.count - 1)
  }

  /// Adds `object` to the table and pushes a reference to it.
  mutating func pushObject(_ object: PickleObject) throws {
    try push(try newObject(object))
  }

  /// The items of the tuple `value`, nil when it is not a tuple.
  func tupleItems(_ value: PickleValue) -> [PickleValue]? {
    guard case .object(let index) = value, case .tuple(let items) = objects[index] else { return nil }
    return items
  }

  /// What `value` is, for messages.
  func kind(of value: PickleValue) -> String {
    Pickle(root: value, objects: objects).kind(of: value)
  }

  /// The error `reason` about this reader's file.
  func failure(_ reason: String) -> ImageDataError {
    .malformed(path: path, reason: reason)
  }

  /// The error "malformed pickle: <opcode> at byte <offset> <problem>".
  func malformed(_ problem: String) -> ImageDataError {
    failure("malformed pickle: \(current.opcode.name) at byte \(current.offset) \(problem)")
  }

  /// The error for an operand of `needing` bytes that runs past the end of the input.
  func truncated(needing: UInt64) -> ImageDataError {
    failure("truncated: \(current.opcode.name) at byte \(current.offset) needs \(needing) bytes, \(input.count - position) remain")
  }
}
