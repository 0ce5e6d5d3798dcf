/// The callables a pickled CIFAR10 batch may name. A pickle names a callable by module and name
/// (GLOBAL, STACK_GLOBAL) and calls it (REDUCE); the reader accepts only these, computes their
/// results itself, and imports or runs nothing. Any other name is refused.
enum PickleCallable: Equatable, Sendable {
  /// numpy's `_reconstruct(ndarray, (0,), b'b')`: an empty array that BUILD then fills.
  case reconstruct
  /// `numpy.ndarray`, the first argument of `_reconstruct`.
  case arrayClass
  /// `numpy.dtype(code, align, copy)`, accepted for the code `u1` (uint8) only.
  case dataType
  /// numpy 2's `_frombuffer(buffer, dtype, shape, order)`, its protocol-5 form of an array.
  case fromBuffer
  /// `_codecs.encode(text, 'latin1')`: how Python 3 writes `bytes` at protocol 2.
  case encode

  /// The module and name each callable is written under: numpy 1 uses `numpy.core`, numpy 2
  /// `numpy._core`.
  static let spellings: [(module: String, name: String, callable: PickleCallable)] = [
    ("numpy.core.multiarray", "_reconstruct", .reconstruct), ("numpy._core.multiarray", "_reconstruct", .reconstruct),
    ("numpy", "ndarray", .arrayClass), ("numpy", "dtype", .dataType),
    ("numpy.core.numeric", "_frombuffer", .fromBuffer), ("numpy._core.numeric", "_frombuffer", .fromBuffer),
    ("_codecs", "encode", .encode),
  ]

  /// The callable written as `module.name`, nil when it is not allowed.
  init?(module: String, name: String) {
    guard let match = PickleCallable.spellings.first(where: { $0.module == module && $0.name == name }) else { return nil }
    self = match.callable
  }

  /// The callable's usual dotted name.
  var qualifiedName: String {
    switch self {
    case .reconstruct: return "numpy.core.multiarray._reconstruct"
    case .arrayClass: return "numpy.ndarray"
    case .dataType: return "numpy.dtype"
    case .fromBuffer: return "numpy.core.numeric._frombuffer"
    case .encode: return "_codecs.encode"
    }
  }

  /// The allowed names, for the refusal message.
  static let allowedNames = "numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype, numpy.core.numeric._frombuffer, _codecs.encode"
}
