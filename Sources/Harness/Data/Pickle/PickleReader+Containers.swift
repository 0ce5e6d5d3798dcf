/// Lists, tuples and dictionaries for ``PickleReader``.
extension PickleReader {
  /// EMPTY_LIST, LIST, APPEND, APPENDS and the tuple opcodes.
  mutating func executeSequence(_ opcode: PickleOpcode) throws {
    switch opcode {
    case .emptyList: try pushObject(.list([]))
    case .list: try pushObject(.list(try popMark()))
    case .append: try extendList(with: try pop(1))
    case .appends: try extendList(with: try popMark())
    case .emptyTuple: try pushObject(.tuple([]))
    case .tuple: try pushObject(.tuple(try popMark()))
    case .tuple1: try pushObject(.tuple(try pop(1)))
    case .tuple2: try pushObject(.tuple(try pop(2)))
    default: try pushObject(.tuple(try pop(3)))
    }
  }

  /// EMPTY_DICT, DICT, SETITEM and SETITEMS.
  mutating func executeDictionary(_ opcode: PickleOpcode) throws {
    switch opcode {
    case .emptyDictionary: try pushObject(.dictionary([]))
    case .dictionary: try pushObject(.dictionary(try pairs(try popMark())))
    case .setItem: try extendDictionary(with: try pairs(try pop(2)))
    default: try extendDictionary(with: try pairs(try popMark()))
    }
  }

  /// `values` as key–value pairs.
  private func pairs(_ values: [PickleValue]) throws -> [(key: PickleValue, value: PickleValue)] {
    guard values.count % 2 == 0 else { throw malformed("has a key without a value") }
    return stride(from: 0, to: values.count, by: 2).map { (values[$0], values[$0 + 1]) }
  }

  /// Appends `items` to the list on top of the stack.
  private mutating func extendList(with items: [PickleValue]) throws {
    let index = try topObject()
    guard case .list(var list) = objects[index] else { throw malformed("appends to \(kind(of: .object(index))), not a list") }
    objects[index] = .list([])
    list.append(contentsOf: items)
    objects[index] = .list(list)
  }

  /// Sets `entries` in the dictionary on top of the stack.
  private mutating func extendDictionary(with entries: [(key: PickleValue, value: PickleValue)]) throws {
    let index = try topObject()
    guard case .dictionary(var dictionary) = objects[index] else {
      throw malformed("sets items of \(kind(of: .object(index))), not a dictionary")
    }
    objects[index] = .dictionary([])
    dictionary.append(contentsOf: entries)
    objects[index] = .dictionary(dictionary)
  }
}
