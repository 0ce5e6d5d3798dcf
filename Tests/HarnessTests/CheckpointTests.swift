import FlowCore
import Foundation
import Harness
import LipFlowTestSupport
import Testing

@Suite("Checkpoints and atomic files")
struct CheckpointTests {
  func sample() -> TrainingState {
    var random = RandomStream(seed: 5)
    let parameter = { (name: String, shape: [Int]) in
      ParameterState(
        name: name, value: Tensor.randomNormal(shape: shape, stream: &random), firstMoment: Tensor.randomNormal(shape: shape, stream: &random),
        secondMoment: Tensor.randomNormal(shape: shape, stream: &random), average: nil)
    }
    let streams = TrainingState.Streams(data: random.split(), estimator: random.split())
    return TrainingState(
      owner: CheckpointOwner(run: "sample", specHash: "0123"), iteration: 42, parameters: [parameter("a", [3, 4]), parameter("b", [5])],
      adamStep: 42, streams: streams, powerIterations: [], actNorms: [], lossWindow: .init(sum: 0.1 + 0.2, count: 3), elapsedSeconds: 1.0 / 3,
      row: .made, metricRows: 2)
  }

  @Test("A checkpoint reads back equal to what was written")
  func roundTrip() throws {
    let data = try sample().encoded()
    #expect(try TrainingState(decoding: data, path: "c") == sample())
  }

  @Test("Truncated, altered and foreign files are rejected with the reason")
  func corruptionIsDetected() throws {
    let data = try sample().encoded()
    #expect(throws: HarnessError.corruptCheckpoint(path: "c", reason: "missing end marker (truncated write?)")) {
      try TrainingState(decoding: data.prefix(data.count - 9), path: "c")
    }
    var altered = data
    altered[altered.count / 2] ^= 0x40
    #expect { try TrainingState(decoding: altered, path: "c") } throws: { "\($0)".contains("CRC-32 mismatch") }
    #expect { try TrainingState(decoding: Data("hello, world, this is not a checkpoint".utf8), path: "c") } throws: { "\($0)".contains("wrong magic") }
  }

  @Test("When the newest checkpoint is torn, the store falls back to the previous one")
  func storeFallsBack() throws {
    let directory = temporaryDirectory("store")
    let store = CheckpointStore(directory: directory)
    var first = sample()
    first.iteration = 10
    try store.save(first)
    try store.save(sample())
    var warnings: [String] = []
    #expect(store.loadNewest { warnings.append($0) }?.iteration == 42)
    let latest = directory + "/checkpoint.bin"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: latest))
    try bytes.prefix(100).write(to: URL(fileURLWithPath: latest))
    #expect(store.loadNewest { warnings.append($0) }?.iteration == 10)
    #expect(warnings.count == 1 && warnings[0].contains("checkpoint.bin: corrupt checkpoint"))
  }

  @Test("A PNG has the signature, the IHDR size and rows that inflate back to the pixels")
  func pngIsWellFormed() throws {
    var image = PNGImage(width: 3, height: 2)
    image.set(x: 1, y: 1, (10, 20, 30))
    let data = try image.encoded()
    #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    #expect(Array(data[12..<16]) == Array("IHDR".utf8))
    #expect(Array(data[16..<24]) == [0, 0, 0, 3, 0, 0, 0, 2])
    #expect(Array(data.suffix(8).prefix(4)) == Array("IEND".utf8))
  }
}
