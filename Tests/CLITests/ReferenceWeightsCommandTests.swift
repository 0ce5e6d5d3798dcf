import FlowCore
import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// `lipflow export`, `evaluate` and `sample` on real argument lists.
@Suite("export, evaluate and sample commands")
struct ReferenceWeightsCommandTests {
  static let fixtures = repositoryRoot + "/Tests/HarnessTests/Fixtures/reference"
  static let spec = fixtures + "/reference-fixtures.yaml"

  /// `tinySpec` trained for its 12 iterations in a fresh directory, with an EMA of 0.9.
  static func trainedTinyRun() throws -> (directory: String, spec: String) {
    let directory = temporaryDirectory("export")
    let spec = directory + "/tiny.yaml"
    try tinySpec.write(toFile: spec, atomically: true, encoding: .utf8)
    let result = lipflow(["run", spec, "--only", "resflow-moons", "--set", "training.ema=0.9", "--runs-dir", directory + "/runs", "--results-dir", directory + "/results"])
    try #require(result.status == 0, "\(result)")
    return (directory, spec)
  }

  @Test("export writes the run's EMA weights in the reference layout, and evaluate of that file equals evaluate of the run")
  func exportTheAveragedWeights() throws {
    let (directory, spec) = try Self.trainedTinyRun()
    let common = ["--only", "resflow-moons", "--set", "training.ema=0.9", "--runs-dir", directory + "/runs"]
    let output = directory + "/weights.safetensors"
    let exported = lipflow(["export", spec] + common + ["--output", output])
    #expect(exported.status == 0, "\(exported)")
    #expect(exported.output.last?.contains("averaged (EMA) weights of resflow-moons after 12 iterations") == true, "\(exported)")
    let file = try SafeTensorsFile.read(path: output)
    let runDirectory = try #require(try FileManager.default.contentsOfDirectory(atPath: directory + "/runs/tiny").first)
    let checkpointPath = directory + "/runs/tiny/\(runDirectory)/resflow-moons/checkpoint.bin"
    let checkpoint = try TrainingState(decoding: try Data(contentsOf: URL(fileURLWithPath: checkpointPath)), path: checkpointPath)
    let parameter = try #require(checkpoint.parameters.first { $0.name == "block1.linear2.weight" })
    let average = try #require(parameter.average)
    let raw = parameter.value
    #expect(file.tensor(named: "chain.1.nnet.5.weight")?.scalars == average.scalars)
    #expect(average != raw)
    try "x,y\n0.5,0.25\n-1,2\n".write(toFile: directory + "/points.csv", atomically: true, encoding: .utf8)
    let fromRun = lipflow(["evaluate", spec] + common + ["--points", directory + "/points.csv"])
    let fromFile = lipflow(["evaluate", spec] + common + ["--points", directory + "/points.csv", "--weights", output])
    #expect(fromRun.status == 0 && fromFile.status == 0, "\(fromRun)\n\(fromFile)")
    #expect(Array(fromRun.output.dropFirst()).count == 3)
    #expect(Array(fromRun.output.dropFirst()) == Array(fromFile.output.dropFirst()), "\(fromRun)\n\(fromFile)")
    let test = lipflow(["evaluate", spec] + common + ["--test-samples", "200"])
    #expect(test.status == 0 && test.output.last?.contains("test NLL") == true, "\(test)")
  }

  @Test("evaluate with the toy fixture's weights and inputs writes the reference's log p within 1e-4 nats")
  func evaluateTheFixture() throws {
    let directory = temporaryDirectory("evaluate")
    let output = directory + "/log-density.csv"
    let result = lipflow([
      "evaluate", Self.spec, "--only", "resflow-moons", "--weights", Self.fixtures + "/toy-resflow/weights.safetensors",
      "--inputs", Self.fixtures + "/toy-resflow/inputs.safetensors", "--output", output, "--runs-dir", directory,
    ])
    #expect(result.status == 0, "\(result)")
    let measured = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! }
    let expected = try String(contentsOfFile: Self.fixtures + "/toy-resflow/expected.csv", encoding: .utf8).split(separator: "\n").dropFirst()
      .map { Double($0.split(separator: ",")[1])! }
    #expect(measured.count == 1024)
    #expect(zip(measured, expected).map { abs($0 - $1) }.max()! < 1e-4)
  }

  @Test("evaluate --exact on the image fixture gives log p and bits/dim per image")
  func evaluateTheImageFixture() throws {
    let result = lipflow([
      "evaluate", Self.spec, "--only", "resflow-mnist", "--weights", Self.fixtures + "/image-resflow-small/weights.safetensors",
      "--inputs", Self.fixtures + "/image-resflow-small/inputs.safetensors", "--exact", "--runs-dir", temporaryDirectory("image"),
    ])
    #expect(result.status == 0, "\(result)")
    #expect(result.output.dropFirst().first == "index,log_density,bits_per_dim")
    let first = try #require(result.output.dropFirst(2).first?.split(separator: ","))
    #expect(abs(Double(first[1])! - 3105.6668212682825) < 1e-3)
    #expect(abs(Double(first[2])! - 2.2850381100801758) < 1e-6)
  }

  @Test("Weights of another architecture fail with status 1 and one line naming the file and the tensor")
  func wrongArchitecture() {
    let weights = Self.fixtures + "/toy-resflow/weights.safetensors"
    let result = lipflow([
      "evaluate", Self.spec, "--only", "idensenet-moons", "--weights", weights, "--inputs", Self.fixtures + "/toy-resflow/inputs.safetensors",
      "--runs-dir", temporaryDirectory("wrong"),
    ])
    #expect(result.status == 1)
    #expect(result.errors == ["error: \(weights): tensor 'chain.0.nnet.0.network.0.weight' [90, 2] is missing (this spec's architecture needs it); nothing was loaded"])
  }

  @Test("A run without a checkpoint, or --only matching several runs, is refused")
  func refusals() {
    let directory = temporaryDirectory("refusals")
    let missing = lipflow(["export", Self.spec, "--only", "resflow-moons", "--output", directory + "/w.safetensors", "--runs-dir", directory])
    #expect(missing.status == 1)
    #expect(missing.errors.first?.contains("no usable checkpoint of run resflow-moons") == true, "\(missing)")
    #expect(!FileManager.default.fileExists(atPath: directory + "/w.safetensors"))
    let several = lipflow(["sample", Self.spec, "--only", "resflow-*", "--output", directory + "/s.csv", "--runs-dir", directory])
    #expect(several.status == 2)
    #expect(several.errors == ["error: --only resflow-*: matches 2 runs (resflow-moons, resflow-mnist); name one"])
  }

  @Test("sample writes CSV points or the density figure for a toy run and a PNG grid for an image run")
  func sample() throws {
    let directory = temporaryDirectory("sample")
    let points = directory + "/points.csv"
    let toy = lipflow([
      "sample", Self.spec, "--only", "resflow-moons", "--weights", Self.fixtures + "/toy-resflow/weights.safetensors", "--count", "50",
      "--seed", "3", "--output", points, "--runs-dir", directory,
    ])
    #expect(toy.status == 0, "\(toy)")
    let lines = try String(contentsOfFile: points, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 51 && lines[0] == "x,y")
    let figure = directory + "/density.png"
    let density = lipflow([
      "sample", Self.spec, "--only", "resflow-moons", "--weights", Self.fixtures + "/toy-resflow/weights.safetensors", "--output", figure,
      "--runs-dir", directory,
    ])
    #expect(density.status == 0, "\(density)")
    let header = try Data(contentsOf: URL(fileURLWithPath: figure)).prefix(24)
    #expect(header.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    #expect(header.suffix(8).prefix(4) == Data([0, 0, 0x02, 0x60]) && header.suffix(4) == Data([0, 0, 0, 200]), "608 × 200: three panels")
    let grid = directory + "/grid.png"
    let image = lipflow([
      "sample", Self.spec, "--only", "resflow-mnist", "--weights", Self.fixtures + "/image-resflow-small/weights.safetensors", "--count", "4",
      "--output", grid, "--runs-dir", directory,
    ])
    #expect(image.status == 0, "\(image)")
    let png = try Data(contentsOf: URL(fileURLWithPath: grid))
    #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
  }
}
