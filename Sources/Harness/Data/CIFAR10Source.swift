import Foundation

/// Where a CIFAR10 directory keeps its batches, and in which of the three published forms.
///
/// ``locate(in:)`` looks in this order and takes the first form present (a form counts as
/// present when any of its six batch files is there):
/// 1. the binary version: `data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin` in the
///    directory, else in its `cifar-10-batches-bin` subdirectory;
/// 2. the python version unpacked: `data_batch_1` … `data_batch_5`, `test_batch` in the
///    directory, else in its `cifar-10-batches-py` subdirectory;
/// 3. the python version packed: `cifar-10-python.tar.gz` in the directory.
/// Binary comes first because it was the only form read before (an existing setup keeps reading
/// the same files) and is the cheapest to read; unpacked before packed for the same reason.
enum CIFAR10Source: Equatable {
  /// The binary batches, in `directory`.
  case binary(directory: String)
  /// The python batches, in `directory`.
  case python(directory: String)
  /// The python batches, members `cifar-10-batches-py/<name>` of the archive at `path`.
  case archive(path: String)

  /// The binary version's folder.
  static let binaryFolder = "cifar-10-batches-bin"
  /// The python version's folder (also the folder inside its archive).
  static let pythonFolder = "cifar-10-batches-py"
  /// The python version's archive, as published (what torchvision downloads).
  static let archiveName = "cifar-10-python.tar.gz"

  /// The batch files of `split` in the binary form.
  static func binaryNames(_ split: ImageSplit) -> [String] { pythonNames(split).map { $0 + ".bin" } }

  /// The batch files of `split` in the python form.
  static func pythonNames(_ split: ImageSplit) -> [String] {
    split == .training ? (1...5).map { "data_batch_\($0)" } : ["test_batch"]
  }

  /// The first form present in `directory`, in the order above.
  /// - Throws: ``ImageDataError/missing(path:what:)`` naming `directory` and everything looked
  ///   for when no form is there.
  static func locate(in directory: String) throws -> CIFAR10Source {
    let binary = binaryNames(.training) + binaryNames(.test)
    let python = pythonNames(.training) + pythonNames(.test)
    if let folder = folder(holdingAnyOf: binary, in: directory, orIn: binaryFolder) { return .binary(directory: folder) }
    if let folder = folder(holdingAnyOf: python, in: directory, orIn: pythonFolder) { return .python(directory: folder) }
    let archive = joinedPath(directory, archiveName)
    if FileManager.default.fileExists(atPath: archive) { return .archive(path: archive) }
    throw ImageDataError.missing(path: directory, what: lookedFor)
  }

  /// What ``locate(in:)`` looks for, for its error.
  static let lookedFor =
    "no CIFAR10 batches: looked for data_batch_1.bin … data_batch_5.bin, test_batch.bin in it and in \(binaryFolder)/, "
    + "for data_batch_1 … data_batch_5, test_batch in it and in \(pythonFolder)/, and for \(archiveName)"

  /// `directory` when it holds one of `names`, else its subdirectory `nested` when that does,
  /// else nil.
  private static func folder(holdingAnyOf names: [String], in directory: String, orIn nested: String) -> String? {
    [directory, joinedPath(directory, nested)].first { folder in
      names.contains { FileManager.default.fileExists(atPath: joinedPath(folder, $0)) }
    }
  }
}
