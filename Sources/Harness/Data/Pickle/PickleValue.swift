/// A value on the pickle reader's stack or in its memo.
///
/// Lists, tuples, dictionaries and numpy objects live in the reader's object table
/// (``PickleObject``) and are referred to by index, so values never nest: reading a pickle of any
/// depth needs no recursion, a self-referring list is only an index, and a list stored in the memo
/// before it is filled (as Python writes it) is seen filled when fetched again.
enum PickleValue: Equatable {
  /// Python's `None`.
  case none
  /// `True` or `False`.
  case bool(Bool)
  /// An integer that fits in 64 bits.
  case integer(Int)
  /// A byte string: Python 2's `str` (CIFAR10's own files) or Python 3's `bytes`/`bytearray`.
  case bytes([UInt8])
  /// A text string (Python 2's `unicode`, Python 3's `str`).
  case text(String)
  /// One of the allowed callables, named by GLOBAL or STACK_GLOBAL.
  case callable(PickleCallable)
  /// Index of a composite value in the reader's object table.
  case object(Int)
}

/// A composite value in the pickle reader's object table.
enum PickleObject {
  /// A list.
  case list([PickleValue])
  /// A tuple.
  case tuple([PickleValue])
  /// A dictionary's entries in the order they were set (a later equal key replaces the value).
  case dictionary([(key: PickleValue, value: PickleValue)])
  /// `numpy.dtype('u1')`; `built` once its BUILD state was checked.
  case dataType(built: Bool)
  /// A numpy uint8 array.
  case array(NumpyByteArray)
}

/// A numpy array of unsigned bytes in C (row-major) order.
struct NumpyByteArray {
  /// The dimensions; nil until `_reconstruct`'s array receives its state from BUILD.
  var shape: [Int]?
  /// The elements, row-major: the product of `shape` bytes.
  var bytes: [UInt8]
}

/// A decoded pickle: its top value and the object table that value's indices refer to.
struct Pickle {
  /// The value STOP returned.
  let root: PickleValue
  /// The composite values.
  let objects: [PickleObject]

  /// The composite value `value` refers to, nil for a scalar.
  func object(_ value: PickleValue) -> PickleObject? {
    if case .object(let index) = value { return objects[index] }
    return nil
  }

  /// What `value` is, for messages ("a list", "an integer").
  func kind(of value: PickleValue) -> String {
    switch value {
    case .none: return "None"
    case .bool: return "a boolean"
    case .integer: return "an integer"
    case .bytes: return "bytes"
    case .text: return "a text string"
    case .callable(let callable): return "the callable \(callable.qualifiedName)"
    case .object(let index):
      switch objects[index] {
      case .list: return "a list"
      case .tuple: return "a tuple"
      case .dictionary: return "a dictionary"
      case .dataType: return "a numpy dtype"
      case .array: return "a numpy array"
      }
    }
  }
}
