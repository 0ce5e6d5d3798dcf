import FlowCore
import Flows
import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// The fixtures made with the public PyTorch implementations (Tests/HarnessTests/Fixtures/reference,
/// see its README.md): their weights, loaded into our models of the same architecture, must give
/// the reference's exact log-densities and spectral norms.
///
/// Tolerances: log p within 1e-4 nats per toy point and 1e-3 nats per MNIST image of the float64
/// reference. The fixtures' README measured float32 against float64 at 4.5e-6 nats (toys) and
/// 3.9e-4 nats per image (a float32 exact Jacobian; log p ≈ 3000 nats, mostly the logit layer's
/// 784 terms); the margins absorb summation order. σ within 1e-5 relative of the float64 SVD after
/// 100 more power iterations (the stored vectors are converged to about 1e-7; float32 power
/// iteration settles within a few ulp).
@Suite("Reference fixtures: the reference's weights give the reference's log-densities")
struct ReferenceFixtureTests {
  static let folder = repositoryRoot + "/Tests/HarnessTests/Fixtures/reference"

  /// One fixture folder, the run of reference-fixtures.yaml with its architecture, and the tolerance.
  struct Fixture: CustomStringConvertible, Sendable {
    var folder: String
    var run: String
    var tolerance: Double
    var description: String { folder }
  }

  static let fixtures = [
    Fixture(folder: "toy-resflow", run: "resflow-moons", tolerance: 1e-4),
    Fixture(folder: "toy-idensenet", run: "idensenet-moons", tolerance: 1e-4),
    Fixture(folder: "image-resflow-small", run: "resflow-mnist", tolerance: 1e-3),
  ]

  /// The fixture's model with its weights loaded (exact log-determinants), and its image geometry.
  static func loadedModel(_ fixture: Fixture) throws -> (SequentialFlow, ImageGeometry?, RunSpec) {
    let plan = try ExperimentPlan.load(path: folder + "/reference-fixtures.yaml", profile: nil)
    let run = try #require(plan.runs.first { $0.identifier == fixture.run })
    var random = RandomStream(seed: 99)
    let geometry = run.data.kind.geometry
    let model = geometry.map { run.model.build(image: $0, logitAlpha: run.data.logitAlpha, evaluationEstimator: .exactJacobian, random: &random) }
      ?? run.model.build(dimension: 2, random: &random)
    try ReferenceWeights.load(path: folder + "/" + fixture.folder + "/weights.safetensors", into: model, geometry: geometry)
    return (model, geometry, run)
  }

  /// log p(x) of the fixture's inputs (NCHW images converted to NHWC), evaluation mode.
  static func logDensities(_ model: SequentialFlow, _ fixture: Fixture, geometry: ImageGeometry?) throws -> [Double] {
    let inputs = try SafeTensorsFile.read(path: folder + "/" + fixture.folder + "/inputs.safetensors")
    var x = try #require(inputs.tensor(named: "x"))
    if geometry != nil { x = ReferenceWeights.channelsLast(x) }
    var context = FlowContext(mode: .evaluation, random: RandomStream(seed: 1))
    return model.logLikelihood(Variable(x), context: &context).value.scalars.map(Double.init)
  }

  /// The rows of a CSV file as column name → text (quoted fields may hold commas).
  static func table(_ path: String) throws -> [[String: String]] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    func fields(_ line: String) -> [String] {
      var result: [String] = []
      var current = ""
      var quoted = false
      for character in line {
        if character == "\"" { quoted.toggle() } else if character == "," && !quoted { result.append(current); current = "" } else { current.append(character) }
      }
      return result + [current]
    }
    let header = fields(lines[0])
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, fields($0))) }
  }

  @Test("Every input's exact log p matches the reference's float64 value", arguments: fixtures)
  func logDensitiesMatch(fixture: Fixture) throws {
    let (model, geometry, _) = try Self.loadedModel(fixture)
    model.updateSpectralNorms(.iterations(100))
    let measured = try Self.logDensities(model, fixture, geometry: geometry)
    let expected = try Self.table(Self.folder + "/" + fixture.folder + "/expected.csv").map { Double($0["log_density"] ?? "") ?? .nan }
    try #require(measured.count == expected.count)
    let errors = zip(measured, expected).map { abs($0 - $1) }
    let worst = errors.indices.max { errors[$0] < errors[$1] } ?? 0
    print("\(fixture.folder): max |log p − reference| = \(errors[worst]) nats at input \(worst) (\(measured[worst]) vs \(expected[worst]))")
    #expect(errors[worst] <= fixture.tolerance, "input \(worst): \(measured[worst]) vs \(expected[worst])")
  }

  @Test("Every normalised layer's σ matches the reference's SVD after power iteration to convergence", arguments: fixtures)
  func spectralNormsMatch(fixture: Fixture) throws {
    let (model, geometry, _) = try Self.loadedModel(fixture)
    model.updateSpectralNorms(.iterations(100))
    let layers = try ReferenceWeights.normalizedLayers(of: model, geometry: geometry)
    let rows = try Self.table(Self.folder + "/" + fixture.folder + "/sigma.csv")
    #expect(layers.map(\.prefix) == rows.map { $0["prefix"] ?? "" })
    var worst = (0.0, "")
    for (layer, row) in zip(layers, rows) {
      let expected = Double(row["sigma_exact_svd"] ?? "") ?? .nan
      let relative = abs(Double(layer.layer.spectralNormEstimate) - expected) / expected
      if !(relative <= worst.0) { worst = (relative, layer.prefix) }
      #expect(Float(row["coeff"] ?? "") == layer.layer.coefficient, "\(layer.prefix): coefficient")
    }
    print("\(fixture.folder): max relative |σ − σ_svd| = \(worst.0) at \(worst.1)")
    #expect(worst.0 <= 1e-5, "\(worst.1)")
  }
}
