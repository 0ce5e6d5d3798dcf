/// The pickle opcodes a CIFAR10 batch uses, as Python 2's cPickle writes it at protocol 2 (the
/// published files) and as Python 3's pickle writes the same dictionary at protocols 2 to 5. Raw
/// values and names are Python's (`pickletools`); any other opcode is refused.
enum PickleOpcode: UInt8 {
  case proto = 0x80, frame = 0x95, stop = 0x2E
  case mark = 0x28, pop = 0x30, popMark = 0x31
  case none = 0x4E, newTrue = 0x88, newFalse = 0x89
  case binInt = 0x4A, binInt1 = 0x4B, binInt2 = 0x4D, long1 = 0x8A
  case binString = 0x54, shortBinString = 0x55
  case binBytes = 0x42, shortBinBytes = 0x43, binBytes8 = 0x8E, byteArray8 = 0x96
  case binUnicode = 0x58, shortBinUnicode = 0x8C, binUnicode8 = 0x8D
  case emptyList = 0x5D, list = 0x6C, append = 0x61, appends = 0x65
  case emptyTuple = 0x29, tuple = 0x74, tuple1 = 0x85, tuple2 = 0x86, tuple3 = 0x87
  case emptyDictionary = 0x7D, dictionary = 0x64, setItem = 0x73, setItems = 0x75
  case binPut = 0x71, longBinPut = 0x72, memoize = 0x94, binGet = 0x68, longBinGet = 0x6A
  case global = 0x63, stackGlobal = 0x93, reduce = 0x52, build = 0x62

  /// Python's name of the opcode, for messages.
  var name: String {
    switch self {
    case .proto: return "PROTO"
    case .frame: return "FRAME"
    case .stop: return "STOP"
    case .mark: return "MARK"
    case .pop: return "POP"
    case .popMark: return "POP_MARK"
    case .none: return "NONE"
    case .newTrue: return "NEWTRUE"
    case .newFalse: return "NEWFALSE"
    case .binInt: return "BININT"
    case .binInt1: return "BININT1"
    case .binInt2: return "BININT2"
    case .long1: return "LONG1"
    case .binString: return "BINSTRING"
    case .shortBinString: return "SHORT_BINSTRING"
    case .binBytes: return "BINBYTES"
    case .shortBinBytes: return "SHORT_BINBYTES"
    case .binBytes8: return "BINBYTES8"
    case .byteArray8: return "BYTEARRAY8"
    case .binUnicode: return "BINUNICODE"
    case .shortBinUnicode: return "SHORT_BINUNICODE"
    case .binUnicode8: return "BINUNICODE8"
    case .emptyList: return "EMPTY_LIST"
    case .list: return "LIST"
    case .append: return "APPEND"
    case .appends: return "APPENDS"
    case .emptyTuple: return "EMPTY_TUPLE"
    case .tuple: return "TUPLE"
    case .tuple1: return "TUPLE1"
    case .tuple2: return "TUPLE2"
    case .tuple3: return "TUPLE3"
    case .emptyDictionary: return "EMPTY_DICT"
    case .dictionary: return "DICT"
    case .setItem: return "SETITEM"
    case .setItems: return "SETITEMS"
    case .binPut: return "BINPUT"
    case .longBinPut: return "LONG_BINPUT"
    case .memoize: return "MEMOIZE"
    case .binGet: return "BINGET"
    case .longBinGet: return "LONG_BINGET"
    case .global: return "GLOBAL"
    case .stackGlobal: return "STACK_GLOBAL"
    case .reduce: return "REDUCE"
    case .build: return "BUILD"
    }
  }
}
