import Foundation

/// Everything a worker process needs to train one run, resolved once by the parent: the run's
/// resolved configuration (the text its `spec.yaml` records) and the provenance its manifest
/// records. A worker never reads the spec file, so editing the spec during a sweep cannot change
/// what trains.
public struct RunOrder: Codable, Equatable, Sendable {
  /// The run identifier (also the directory name under the runs directory).
  public var run: String
  /// The row (model definition) and column (dataset definition).
  public var model: String
  public var dataset: String
  /// The sweep coordinates, `key.path=value`.
  public var assignments: [String]
  /// The resolved configuration as YAML, exactly as ``RunSpec/resolvedYAML``.
  public var resolvedYAML: String
  /// The budget match that chose the growth, if any.
  public var budgetMatch: BudgetMatch?
  /// The run directory.
  public var directory: String
  /// Provenance for the manifest.
  public var specFile: String
  public var experiment: String
  public var profile: String
  public var overrides: [String]
  public var commit: String
  public var host: String

  /// The order of `run` in `directory`.
  public init(
    run: RunSpec, directory: String, specFile: String, experiment: String, profile: String, overrides: [String], commit: String, host: String
  ) {
    self.run = run.identifier
    model = run.modelName
    dataset = run.datasetName
    assignments = run.assignments.map(\.description)
    resolvedYAML = run.resolvedYAML
    budgetMatch = run.budgetMatch
    self.directory = directory
    self.specFile = specFile
    self.experiment = experiment
    self.profile = profile
    self.overrides = overrides
    self.commit = commit
    self.host = host
  }

  /// The run, read strictly from the resolved configuration.
  /// - Throws: ``SpecError`` located in `<order of RUN>`, or ``HarnessError`` when the text does
  ///   not resolve to itself (it always does for text a parent produced).
  public func runSpec() throws -> RunSpec {
    let file = "<order of \(run)>"
    let node = try SpecLoader.parse(resolvedYAML, file: file)
    let assignments = try self.assignments.map { try SpecOverride(parsing: $0) }
    var spec = try RunSpec(
      identifier: run, modelName: model, datasetName: dataset, assignments: assignments, node: node, budgetTargets: [:],
      sections: RunSections(axes: [], counts: ParameterCounts()))
    guard spec.resolvedYAML == resolvedYAML else {
      throw HarnessError.io(path: file, reason: "the resolved configuration does not read back to itself")
    }
    spec.budgetMatch = budgetMatch
    return spec
  }

  /// JSON, as handed to a worker on its standard input.
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(self)
  }

  /// Reads an order handed over by a parent.
  /// - Throws: ``HarnessError/io(path:reason:)`` naming `source` for anything unreadable.
  public static func decode(_ data: Data, source: String) throws -> RunOrder {
    do { return try JSONDecoder().decode(RunOrder.self, from: data) } catch {
      throw HarnessError.io(path: source, reason: "not a run order (\(DecodingFailure.describe(error)))")
    }
  }
}
