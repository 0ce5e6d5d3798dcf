import FlowCore
import Flows
import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// Export → import → export in the reference layout, for every family we build, and refusal of
/// files that do not fit the architecture.
@Suite("Reference layout round trips and refusals")
struct ReferenceRoundTripTests {
  static let specPath = ReferenceFixtureTests.folder + "/reference-fixtures.yaml"

  static func run(_ identifier: String, set overrides: [String] = []) throws -> RunSpec {
    let plan = try ExperimentPlan.load(path: specPath, profile: nil, overrides: overrides.map { try SpecOverride(parsing: $0) })
    return try #require(plan.runs.first { $0.identifier == identifier })
  }

  static func model(_ run: RunSpec, seed: UInt64) -> SequentialFlow {
    var random = RandomStream(seed: seed)
    guard let geometry = run.data.kind.geometry else { return run.model.build(dimension: 2, random: &random) }
    return run.model.build(image: geometry, logitAlpha: run.data.logitAlpha, random: &random)
  }

  @Test(
    "Exporting, importing into a model of another seed and exporting again gives the same bytes",
    arguments: [
      ("resflow-moons", [String]()), ("idensenet-moons", []), ("idensenet-lc-moons", []), ("resflow-mnist", []),
      ("idensenet-lc-mnist", []), ("resflow-moons", ["models.resflow.activation=elu"]),
      ("resflow-mnist", ["models.resflow.image.scales=3", "models.resflow.image.blocks=2", "models.resflow.image.fc_blocks=1"]),
    ])
  func roundTripIsBitIdentical(identifier: String, overrides: [String]) throws {
    let run = try Self.run(identifier, set: overrides)
    let geometry = run.data.kind.geometry
    let original = Self.model(run, seed: 1)
    for parameter in original.parameters where parameter.name.hasSuffix("concatenation") {
      parameter.value = Tensor(shape: [2], scalars: [0.3, 1.7])
    }
    let first = try ReferenceWeights.export(original, geometry: geometry).encoded()
    let copy = Self.model(run, seed: 2)
    try ReferenceWeights.load(try SafeTensorsFile(decoding: first, path: "first"), path: "first", into: copy, geometry: geometry)
    let second = try ReferenceWeights.export(copy, geometry: geometry).encoded()
    #expect(first == second)
    #expect(zip(original.parameters, copy.parameters).allSatisfy { $0.value == $1.value })
  }

  @Test("Weights of another architecture are refused with the first mismatching tensor, and nothing is loaded")
  func mismatchIsRefused() throws {
    let resflow = Self.model(try Self.run("resflow-moons"), seed: 1)
    let idensenet = Self.model(try Self.run("idensenet-moons"), seed: 1)
    let before = idensenet.parameters.map(\.value)
    let path = ReferenceFixtureTests.folder + "/toy-resflow/weights.safetensors"
    #expect(throws: HarnessError.invalidWeights(
      path: path, reason: "tensor 'chain.0.nnet.0.network.0.weight' [90, 2] is missing (this spec's architecture needs it); nothing was loaded")) {
      try ReferenceWeights.load(path: path, into: idensenet, geometry: nil)
    }
    #expect(zip(idensenet.parameters, before).allSatisfy { $0.value == $1 })
    var file = try SafeTensorsFile.read(path: path)
    file.tensors[file.tensors.firstIndex { $0.name == "chain.9.nnet.9.weight" }!].tensor = Tensor.zeros([2, 64])
    #expect(throws: HarnessError.invalidWeights(
      path: "edited", reason: "tensor 'chain.9.nnet.9.weight' has shape [2, 64], this spec's architecture needs [2, 128]; nothing was loaded")) {
      try ReferenceWeights.load(file, path: "edited", into: resflow, geometry: nil)
    }
    file = try SafeTensorsFile.read(path: path)
    file.tensors.append(("chain.10.nnet.1.weight", Tensor.zeros([1])))
    #expect(throws: HarnessError.invalidWeights(
      path: "extra", reason: "tensor 'chain.10.nnet.1.weight' [1] has no place in this spec's architecture; nothing was loaded")) {
      try ReferenceWeights.load(file, path: "extra", into: resflow, geometry: nil)
    }
  }

  @Test("The exported file passes an independent reader (python3 json + struct), when python3 is installed")
  func independentReader() throws {
    let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let python else {
      print("skipped: python3 not found; the independent safetensors check did not run")
      return
    }
    let run = try Self.run("resflow-mnist")
    let path = temporaryDirectory("independent") + "/exported.safetensors"
    try ReferenceWeights.export(Self.model(run, seed: 3), geometry: run.data.kind.geometry).write(to: path)
    let check = try ChildProcess.run(python, [repositoryRoot + "/scripts/check_safetensors.py", path])
    let output = check.standardOutput
    #expect(check.status == 0, "\(output)")
    #expect(output.hasPrefix(path + ": ok, 170 tensors"), "\(output)")
  }
}
