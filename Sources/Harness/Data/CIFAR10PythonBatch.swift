/// One batch file of CIFAR10's python version (`cifar-10-batches-py`): a pickled dictionary whose
/// `data` is a numpy uint8 array [N, 3072], each row an image's red, green and blue 32×32 planes
/// (row-major), and whose `labels` is a list of N integers in 0…9. Its other keys (`batch_label`,
/// `filenames`) are not used. Keys may be byte strings (the published files, Python 2) or text.
struct CIFAR10PythonBatch {
  /// One label per image, 0…9.
  let labels: [UInt8]
  /// `labels.count` images of 3,072 bytes, planar as in the file.
  let planes: [UInt8]

  /// Decodes the pickle `bytes`, the contents of the file `path`.
  /// - Throws: ``ImageDataError/malformed(path:reason:)`` naming what is wrong: an unreadable or
  ///   refused pickle (``PickleReader``), a missing key, a wrong shape, a label outside 0…9.
  init(pickle bytes: [UInt8], path: String) throws {
    let pickle = try PickleReader.read(bytes, path: path)
    func failure(_ reason: String) -> ImageDataError { .malformed(path: path, reason: reason) }
    guard case .dictionary(let entries)? = pickle.object(pickle.root) else {
      throw failure("the pickle holds \(pickle.kind(of: pickle.root)), expected a dictionary with 'data' and 'labels'")
    }
    func value(_ key: String) throws -> PickleValue {
      guard let entry = entries.last(where: { $0.key == .bytes(Array(key.utf8)) || $0.key == .text(key) }) else {
        throw failure("the pickled dictionary has no '\(key)' key, expected 'data' and 'labels'")
      }
      return entry.value
    }
    let data = try value("data")
    guard case .array(let array)? = pickle.object(data), let shape = array.shape else {
      throw failure("key 'data' is \(pickle.kind(of: data)), expected a numpy uint8 array")
    }
    guard shape.count == 2, shape[1] == CIFAR10.imageSize else {
      throw failure("key 'data' has shape \(shape), expected [N, 3072] (N images of 3 × 32 × 32 bytes)")
    }
    labels = try CIFAR10PythonBatch.labels(try value("labels"), in: pickle, failure: failure)
    guard labels.count == shape[0] else { throw failure("key 'data' has shape \(shape) but key 'labels' has \(labels.count) labels, expected one per image") }
    planes = array.bytes
  }

  /// The labels in the list (or tuple) `value`, each an integer in 0…9.
  private static func labels(_ value: PickleValue, in pickle: Pickle, failure: (String) -> ImageDataError) throws -> [UInt8] {
    let items: [PickleValue]
    switch pickle.object(value) {
    case .list(let list)?, .tuple(let list)?: items = list
    default: throw failure("key 'labels' is \(pickle.kind(of: value)), expected a list of integers 0...9")
    }
    return try items.enumerated().map { index, item in
      guard case .integer(let label) = item else { throw failure("key 'labels' item \(index) is \(pickle.kind(of: item)), expected an integer 0...9") }
      guard (0...9).contains(label) else { throw failure("key 'labels' item \(index) is \(label), expected 0...9") }
      return UInt8(label)
    }
  }
}
