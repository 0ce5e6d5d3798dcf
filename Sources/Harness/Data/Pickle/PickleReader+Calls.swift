/// The allowed callables of ``PickleReader``: GLOBAL and STACK_GLOBAL name one (anything not on
/// the allow-list is refused there), REDUCE computes its result here, BUILD checks and applies
/// the state numpy gives its arrays and dtypes. Nothing is imported or run.
extension PickleReader {
  /// GLOBAL, STACK_GLOBAL, REDUCE and BUILD.
  mutating func executeCall(_ opcode: PickleOpcode) throws {
    switch opcode {
    case .global:
      let module = try line()
      try pushCallable(module: module, name: try line())
    case .stackGlobal:
      let names = try pop(2)
      guard case .text(let module) = names[0], case .text(let name) = names[1] else { throw malformed("names a callable by non-text values") }
      try pushCallable(module: module, name: name)
    case .reduce:
      let call = try pop(2)
      guard case .callable(let callable) = call[0] else { throw malformed("calls \(kind(of: call[0])), not a callable") }
      guard let arguments = tupleItems(call[1]) else { throw malformed("passes \(kind(of: call[1])) as arguments, not a tuple") }
      try push(try result(of: callable, arguments))
    default:
      let state = try pop()
      try build(try topObject(), state: state)
    }
  }

  /// Pushes the callable `module.name`, refusing every callable not on the allow-list.
  private mutating func pushCallable(module: String, name: String) throws {
    guard let callable = PickleCallable(module: module, name: name) else {
      throw failure(
        "refused: the pickle names the callable \(module).\(name) (\(current.opcode.name) at byte \(current.offset)); "
          + "a CIFAR10 batch may name only \(PickleCallable.allowedNames), and nothing is run")
    }
    try push(.callable(callable))
  }

  /// What calling `callable` with `arguments` gives, computed here.
  private mutating func result(of callable: PickleCallable, _ arguments: [PickleValue]) throws -> PickleValue {
    switch callable {
    case .encode:
      guard arguments.count == 2, case .text(let text) = arguments[0], arguments[1] == .text("latin1") || arguments[1] == .text("latin-1") else {
        throw malformed("calls _codecs.encode with arguments other than (text, 'latin1')")
      }
      return .bytes(try latin1(text))
    case .dataType:
      guard arguments.count == 3, ["u1", "uint8", "|u1"].contains(name(arguments[0])) else {
        throw malformed("calls numpy.dtype(\(arguments.first.map(name) ?? "")); only uint8 ('u1') is accepted")
      }
      return try newObject(.dataType(built: false))
    case .reconstruct:
      guard arguments.count == 3, arguments[0] == .callable(.arrayClass) else { throw malformed("calls _reconstruct for something other than numpy.ndarray") }
      return try newObject(.array(NumpyByteArray(shape: nil, bytes: [])))
    case .fromBuffer: return try newObject(.array(try arrayFromBuffer(arguments)))
    case .arrayClass: throw malformed("calls numpy.ndarray directly; it may appear only as the argument of _reconstruct")
    }
  }

  /// The text or byte string `value` as text (latin-1 for bytes), "" for anything else.
  private func name(_ value: PickleValue) -> String {
    switch value {
    case .text(let text): return text
    case .bytes(let bytes): return String(bytes.map { Character(Unicode.Scalar($0)) })
    default: return ""
    }
  }

  /// The bytes of `text` whose characters are all latin-1 (U+0000 to U+00FF).
  private func latin1(_ text: String) throws -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      guard scalar.value <= 0xFF else { throw malformed("encodes the character U+\(String(scalar.value, radix: 16, uppercase: true)), which is not latin-1") }
      bytes.append(UInt8(scalar.value))
    }
    return bytes
  }

  /// numpy 2's protocol-5 array: `_frombuffer(buffer, dtype, shape, 'C')`.
  private func arrayFromBuffer(_ arguments: [PickleValue]) throws -> NumpyByteArray {
    guard arguments.count == 4, case .bytes(let bytes) = arguments[0], isDataType(arguments[1]), let shape = dimensions(arguments[2]) else {
      throw malformed("calls _frombuffer with arguments other than (bytes, uint8 dtype, shape, order)")
    }
    guard arguments[3] == .text("C") else { throw malformed("holds an array in Fortran (column-major) order; only C order is accepted") }
    return try filledArray(shape: shape, bytes: bytes)
  }

  /// Whether `value` is a numpy uint8 dtype.
  private func isDataType(_ value: PickleValue) -> Bool {
    guard case .object(let index) = value, case .dataType = objects[index] else { return false }
    return true
  }

  /// The dimensions in the tuple `value`, nil unless it is a tuple of integers ≥ 0.
  private func dimensions(_ value: PickleValue) -> [Int]? {
    guard let items = tupleItems(value) else { return nil }
    let sizes = items.compactMap { item -> Int? in if case .integer(let size) = item, size >= 0 { return size } else { return nil } }
    return sizes.count == items.count ? sizes : nil
  }

  /// An array of `shape` holding `bytes`, whose count must be the product of `shape`.
  private func filledArray(shape: [Int], bytes: [UInt8]) throws -> NumpyByteArray {
    var elements = 1
    for size in shape {
      let (product, overflow) = elements.multipliedReportingOverflow(by: size)
      guard !overflow else { throw malformed("holds an array of shape \(shape), too large") }
      elements = product
    }
    guard elements == bytes.count else { throw malformed("holds an array of shape \(shape) (\(elements) bytes) with \(bytes.count) bytes of data") }
    return NumpyByteArray(shape: shape, bytes: bytes)
  }

  /// BUILD: gives the dtype or array at `index` its state.
  private mutating func build(_ index: Int, state: PickleValue) throws {
    switch objects[index] {
    case .dataType(built: false):
      try checkDataTypeState(state)
      objects[index] = .dataType(built: true)
    case .array(let array) where array.shape == nil:
      objects[index] = .array(try arrayState(state))
    default: throw malformed("sets the state of \(kind(of: .object(index))), which takes none")
    }
  }

  /// numpy's dtype state `(version, byte order, subarray, names, fields, ...)` of plain uint8.
  private func checkDataTypeState(_ state: PickleValue) throws {
    guard let items = tupleItems(state), items.count >= 5, case .integer = items[0], ["|", "<", ">", "="].contains(name(items[1])),
      items[2...4].allSatisfy({ $0 == .none })
    else { throw malformed("gives numpy.dtype a state other than that of plain uint8") }
  }

  /// The array of numpy's state `(1, shape, dtype, is_fortran, raw bytes)` (numpy 1 and 2; very
  /// old numpy omits the version).
  private func arrayState(_ state: PickleValue) throws -> NumpyByteArray {
    guard var items = tupleItems(state), items.count == 4 || items.count == 5 else { throw malformed("gives an array a state that is not numpy's") }
    if items.count == 5 { items.removeFirst() }
    guard let shape = dimensions(items[0]), isDataType(items[1]), case .bool(let fortran) = items[2], case .bytes(let bytes) = items[3] else {
      throw malformed("gives an array a state other than (shape, uint8 dtype, order, bytes)")
    }
    guard !fortran || shape.count <= 1 else { throw malformed("holds an array in Fortran (column-major) order; only C order is accepted") }
    return try filledArray(shape: shape, bytes: bytes)
  }
}
