import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// Writes python batches converted from the binary batches of `cifarDirectory` into `directory`
/// (`subfolder` inside it when given).
private func writePythonBatches(from binary: String, to directory: String) throws {
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  for name in (1...5).map({ "data_batch_\($0)" }) + ["test_batch"] {
    let records = try #require(FileManager.default.contents(atPath: binary + "/" + name + ".bin"))
    try write(python2Batch(binaryRecords: [UInt8](records)), to: directory + "/" + name)
  }
}

/// Both splits of the CIFAR10 directory `directory`.
private func loadBoth(_ directory: String) throws -> [ImageDataset] {
  [try CIFAR10.load(directory: directory, split: .training), try CIFAR10.load(directory: directory, split: .test)]
}

/// Whether two datasets hold the same images and labels.
private func same(_ first: [ImageDataset], _ second: [ImageDataset]) -> Bool {
  first.count == second.count
    && zip(first, second).allSatisfy {
      $0.count == $1.count && $0.labels == $1.labels && $0.pixels == $1.pixels && $0.height == $1.height && $0.channels == $1.channels
    }
}

/// The error of loading split `split` of `directory`.
private func loadError(_ directory: String, _ split: ImageSplit = .test) -> ImageDataError? {
  #expect(throws: ImageDataError.self) { try CIFAR10.load(directory: directory, split: split) }
}

/// The first python3 that runs `check` successfully.
private func python(passing check: String) -> String? {
  pythonCandidates.first { (try? ChildProcess.run($0, ["-c", check]).status) == 0 }
}

/// Runs `scripts/cifar10_python_batches.py` with `arguments` under `python`.
private func convert(_ python: String, _ arguments: [String]) throws {
  let output = try ChildProcess.run(python, [repositoryRoot + "/scripts/cifar10_python_batches.py"] + arguments)
  #expect(output.status == 0, "\(output)")
}

@Suite("CIFAR10 python version: pickled batches, unpacked or archived, read without Python")
struct CIFAR10PythonTests {
  static let fixture = repositoryRoot + "/Tests/HarnessTests/Fixtures/cifar10-python"

  @Test("Batches pickled as Python 2's cPickle wrote the published files decode to the binary reader's images and labels")
  func python2BatchesMatchBinary() throws {
    let binary = try cifarDirectory("cifar-binary")
    let python = temporaryDirectory("cifar-python")
    defer { for folder in [binary, python] { try? FileManager.default.removeItem(atPath: folder) } }
    try writePythonBatches(from: binary, to: python + "/cifar-10-batches-py")
    let fromBinary = try loadBoth(binary)
    let fromPython = try loadBoth(python)
    #expect(fromPython[0].count == 10 && fromPython[1].count == 3)
    #expect(same(fromBinary, fromPython))

    var shifted = [UInt8](try #require(FileManager.default.contents(atPath: python + "/cifar-10-batches-py/test_batch")))
    let data = try #require(offset(of: [0x89, 0x54], in: shifted)) + 6
    shifted[data] &+= 1
    try write(shifted, to: python + "/cifar-10-batches-py/test_batch")
    #expect(!same(fromBinary, try loadBoth(python)), "one changed byte must show")
  }

  @Test("The checked-in archive (protocols 2 to 5, numpy's opcodes) loads the pattern's images without python3")
  func fixtureArchive() throws {
    let training = try CIFAR10.load(directory: Self.fixture, split: .training)
    let test = try CIFAR10.load(directory: Self.fixture, split: .test)
    #expect(training.labels == [0, 1, 2, 3, 4])
    #expect(test.labels == [0, 1])
    for (dataset, records) in [(training, [0, 1, 2, 3, 4]), (test, [20, 21])] {
      var expected: [UInt8] = []
      for record in records {
        for y in 0..<32 {
          for x in 0..<32 { expected += (0..<3).map { cifarPixel(record, $0, y, x) } }
        }
      }
      #expect(dataset.pixels == expected)
    }
  }

  @Test("python3's pickle at protocols 2 to 5 (numpy-free, as a directory and as the .tar.gz) gives the binary reader's images")
  func python3BatchesMatchBinary() throws {
    guard let python = python(passing: "import pickle, tarfile") else {
      print("skipped: python3 not found; the checked-in fixture covers protocols 2 to 5")
      return
    }
    let binary = try cifarDirectory("cifar-binary-3")
    let output = temporaryDirectory("cifar-python-3")
    defer { for folder in [binary, output] { try? FileManager.default.removeItem(atPath: folder) } }
    try convert(python, ["--from-binary", binary, "--to", output + "/unpacked", "--protocols", "2,3,4,5"])
    try convert(python, ["--from-binary", binary, "--to", output + "/packed", "--protocols", "5,4,3,2", "--archive"])
    let fromBinary = try loadBoth(binary)
    #expect(same(fromBinary, try loadBoth(output + "/unpacked")))
    #expect(same(fromBinary, try loadBoth(output + "/packed")))
  }

  @Test("Real numpy pickles (protocols 2 to 5; _frombuffer at 5) give the binary reader's images, when numpy is installed")
  func numpyBatchesMatchBinary() throws {
    guard let python = python(passing: "import numpy") else {
      print("skipped: no python3 with numpy found; the numpy-free pickles have numpy's opcodes")
      return
    }
    let binary = try cifarDirectory("cifar-binary-numpy")
    let output = temporaryDirectory("cifar-python-numpy")
    defer { for folder in [binary, output] { try? FileManager.default.removeItem(atPath: folder) } }
    try convert(python, ["--from-binary", binary, "--to", output, "--protocols", "2,3,4,5", "--numpy"])
    #expect(same(try loadBoth(binary), try loadBoth(output)))
  }

  @Test("Binary batches win over python batches, unpacked over the archive; an empty directory lists what was looked for")
  func precedence() throws {
    let directory = try cifarDirectory("cifar-precedence")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let testPython = python2Batch(labels: [7], pixels: [UInt8](repeating: 9, count: 3072))
    try write(testPython, to: directory + "/test_batch")
    let archived = python2Batch(labels: [5, 6], pixels: [UInt8](repeating: 1, count: 6144))
    try write(gzipped(tarArchive([("cifar-10-batches-py/test_batch", archived)])), to: directory + "/cifar-10-python.tar.gz")
    #expect(try CIFAR10.load(directory: directory, split: .test).labels == [0, 1, 2])

    for index in 1...5 { try FileManager.default.removeItem(atPath: directory + "/data_batch_\(index).bin") }
    #expect(try CIFAR10.load(directory: directory, split: .test).labels == [0, 1, 2], "one binary file is enough to choose that form")
    try FileManager.default.removeItem(atPath: directory + "/test_batch.bin")
    #expect(try CIFAR10.load(directory: directory, split: .test).labels == [7])
    #expect(loadError(directory, .training) == .missing(path: directory + "/data_batch_1", what: "CIFAR10 training batch, python version"))

    try FileManager.default.removeItem(atPath: directory + "/test_batch")
    #expect(try CIFAR10.load(directory: directory, split: .test).labels == [5, 6])
    #expect(try CIFAR10.load(directory: directory, split: .test).pixels == [UInt8](repeating: 1, count: 6144))
    #expect(loadError(directory, .training) == .malformed(path: directory + "/cifar-10-python.tar.gz", reason: "has no member cifar-10-batches-py/data_batch_1"))

    try FileManager.default.removeItem(atPath: directory + "/cifar-10-python.tar.gz")
    let lookedFor = "no CIFAR10 batches: looked for data_batch_1.bin … data_batch_5.bin, test_batch.bin in it and in cifar-10-batches-bin/, "
      + "for data_batch_1 … data_batch_5, test_batch in it and in cifar-10-batches-py/, and for cifar-10-python.tar.gz"
    #expect(loadError(directory) == .missing(path: directory, what: lookedFor))
    #expect(loadError(directory)?.description == "\(directory): not found (\(lookedFor))")
  }

  @Test("Without a path, CIFAR10 is read from data/cifar-10-batches-bin, else from data when it holds torchvision's python version")
  func defaultDirectory() throws {
    let base = temporaryDirectory("cifar-default")
    defer { try? FileManager.default.removeItem(atPath: base) }
    #expect(DatasetSpec.cifar10Directory(under: base) == base + "/cifar-10-batches-bin")
    try write([1], to: base + "/cifar-10-python.tar.gz")
    #expect(DatasetSpec.cifar10Directory(under: base) == base)
    try FileManager.default.removeItem(atPath: base + "/cifar-10-python.tar.gz")
    try FileManager.default.createDirectory(atPath: base + "/cifar-10-batches-py", withIntermediateDirectories: true)
    #expect(DatasetSpec.cifar10Directory(under: base) == base)
    try FileManager.default.createDirectory(atPath: base + "/cifar-10-batches-bin", withIntermediateDirectories: true)
    #expect(DatasetSpec.cifar10Directory(under: base) == base + "/cifar-10-batches-bin")
  }

  @Test("A pickle naming os.system, by GLOBAL or STACK_GLOBAL, is refused naming the file and the callable")
  func foreignCallables() throws {
    let directory = temporaryDirectory("cifar-refused")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/test_batch"
    let allowed = "a CIFAR10 batch may name only numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype, "
      + "numpy.core.numeric._frombuffer, _codecs.encode, and nothing is run"
    let global = python2Batch(labels: [1], pixels: [UInt8](repeating: 0, count: 3072), reconstruct: ("os", "system"))
    try write(global, to: path)
    let globalAt = try #require(offset(of: Array("cos\nsystem".utf8), in: global))
    #expect(loadError(directory) == .malformed(path: path, reason: "refused: the pickle names the callable os.system (GLOBAL at byte \(globalAt)); " + allowed))

    let stackGlobal: [UInt8] = [0x80, 4, 0x8C, 2] + Array("os".utf8) + [0x8C, 6] + Array("system".utf8) + [0x93, 0x8C, 2] + Array("ls".utf8) + [0x85, 0x52, 0x2E]
    try write(stackGlobal, to: path)
    #expect(loadError(directory) == .malformed(path: path, reason: "refused: the pickle names the callable os.system (STACK_GLOBAL at byte 14); " + allowed))
    #expect(loadError(directory)?.description.hasPrefix(path + ": refused: the pickle names the callable os.system") == true)
  }

  @Test("Truncated, garbage, empty and trailing-byte files are refused with the file and the reason")
  func corruptPickles() throws {
    let directory = temporaryDirectory("cifar-corrupt")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/test_batch"
    let whole = python2Batch(labels: [1, 2], pixels: [UInt8](repeating: 3, count: 6144))
    let data = try #require(offset(of: [0x89, 0x54], in: whole)) + 1
    let cases: [([UInt8], String)] = [
      (Array(whole.prefix(data + 105)), "truncated: BINSTRING at byte \(data) needs 6144 bytes, 100 remain"),
      (Array(whole.dropLast()), "truncated: the pickle ends at byte \(whole.count - 1) before its STOP opcode"),
      (Array("GIF89a, not a pickle".utf8), "not a pickle of protocol 2 to 5 (starts with 0x47 0x49, expected 0x80 and the protocol number)"),
      (Array("(dp0\nS'data'\n".utf8), "not a pickle of protocol 2 to 5 (starts with 0x28 0x64, expected 0x80 and the protocol number)"),
      ([0x80, 6, 0x4E, 0x2E], "pickle protocol 6 is not supported (2 to 5 are)"),
      ([], "is empty, expected a pickled CIFAR10 batch"),
      (whole + [0, 0, 0], "has 3 bytes after the pickle's STOP opcode at byte \(whole.count - 1)"),
      ([0x80, 2, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0x2E], "unsupported pickle opcode 0x47 at byte 2 (not one a CIFAR10 batch uses)"),
      ([0x80, 2, 0x5D, 0x61, 0x2E], "malformed pickle: APPEND at byte 3 finds no value on the stack"),
      ([0x80, 2, 0x68, 7, 0x2E], "malformed pickle: BINGET at byte 2 reads memo entry 7, which was never stored"),
    ]
    for (bytes, reason) in cases {
      try write(bytes, to: path)
      #expect(loadError(directory) == .malformed(path: path, reason: reason))
    }
  }

  @Test("Wrong shapes and dtypes, labels out of range, missing keys and other structures are refused with the reason")
  func wrongContents() throws {
    let directory = temporaryDirectory("cifar-contents")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/test_batch"
    let image = [UInt8](repeating: 4, count: 3072)
    let short = python2Batch(labels: [1], pixels: Array(image.dropLast()), shape: [1, 3071])
    let overstated = python2Batch(labels: [1, 2], pixels: image, shape: [2, 3072])
    let overstatedBuild = try #require(offset(of: [0x55, 9] + Array("filenames".utf8), in: overstated)) - 1
    let float = python2Batch(labels: [1], pixels: image, dataType: "<f8")
    let floatReduce = try #require(offset(of: [0x55, 3] + Array("<f8".utf8), in: float)) + 12
    var missingData = PickleBuilder()
    missingData.op(0x7D, 0x28)
    missingData.string("labels")
    missingData.integer(1)
    missingData.op(0x75, 0x2E)
    let deepTuple: [UInt8] = [0x80, 2, 0x4E] + [UInt8](repeating: 0x85, count: 300_000) + [0x2E]
    let cases: [([UInt8], String)] = [
      (short, "key 'data' has shape [1, 3071], expected [N, 3072] (N images of 3 × 32 × 32 bytes)"),
      (overstated, "malformed pickle: BUILD at byte \(overstatedBuild) holds an array of shape [2, 3072] (6144 bytes) with 3072 bytes of data"),
      (float, "malformed pickle: REDUCE at byte \(floatReduce) calls numpy.dtype(<f8); only uint8 ('u1') is accepted"),
      (python2Batch(labels: [3, 10], pixels: image + image), "key 'labels' item 1 is 10, expected 0...9"),
      (python2Batch(labels: [3, 4], pixels: image, shape: [1, 3072]), "key 'data' has shape [1, 3072] but key 'labels' has 2 labels, expected one per image"),
      (missingData.bytes, "the pickled dictionary has no 'data' key, expected 'data' and 'labels'"),
      (deepTuple, "the pickle holds a tuple, expected a dictionary with 'data' and 'labels'"),
    ]
    for (bytes, reason) in cases {
      try write(bytes, to: path)
      #expect(loadError(directory) == .malformed(path: path, reason: reason))
    }
  }

  @Test("A truncated archive, a bad tar header and a bad member are refused naming the archive (and member)")
  func corruptArchives() throws {
    let directory = temporaryDirectory("cifar-archive")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/cifar-10-python.tar.gz"
    let batch = python2Batch(labels: [1], pixels: [UInt8](repeating: 2, count: 3072))
    let archive = tarArchive([("cifar-10-batches-py/test_batch", batch)])
    try write(Array(archive.prefix(512 + 1000)), to: path)
    #expect(loadError(directory) == .malformed(path: path, reason: "truncated archive: member cifar-10-batches-py/test_batch needs \(batch.count) bytes, 1000 remain"))

    var damaged = archive
    damaged[99] = 0x41
    try write(gzipped(damaged), to: path)
    let sum = archive.prefix(512).reduce(0) { $0 + Int($1) } - archive[148..<156].reduce(0) { $0 + Int($1) } + 8 * 0x20
    #expect(loadError(directory) == .malformed(path: path, reason: "not a readable tar archive: header at byte 0 has checksum \(sum), its bytes sum to \(sum + 0x41)"))

    let cut = Array(batch.prefix(batch.count - 1))
    try write(gzipped(tarArchive([("./cifar-10-batches-py/test_batch", cut)])), to: path)
    #expect(loadError(directory) == .malformed(
      path: path + "/cifar-10-batches-py/test_batch", reason: "truncated: the pickle ends at byte \(cut.count) before its STOP opcode"))
  }
}
