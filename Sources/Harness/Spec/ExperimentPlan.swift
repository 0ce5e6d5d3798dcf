import Foundation
import Yams

/// A spec file resolved into the runs it asks for: profile and command-line overrides applied,
/// every definition read strictly, sweeps expanded, budgets matched.
///
/// The order of resolution is: the file, then the profile's overrides (`profiles.<name>`), then
/// `--set` overrides, then strict reading. Anything wrong is a ``SpecError`` before any run starts.
public struct ExperimentPlan {
  /// The spec file.
  public let specPath: String
  /// `experiment.name`: the directory under the runs root and the report's file name.
  public let name: String
  /// `experiment.description`.
  public let description: String
  /// The profile applied.
  public let profile: String
  /// The profile's overrides followed by the command line's, in the order applied.
  public let overrides: [SpecOverride]
  /// The command line's overrides alone.
  public let commandLineOverrides: [SpecOverride]
  /// The model definitions, in file order.
  public let models: [ModelSpec]
  /// The dataset definitions, in file order.
  public let datasets: [DatasetSpec]
  /// The report layout.
  public let table: TableSpec
  /// The sweep axes, in declared order (without the replicate seeds).
  public let sweep: [SweepAxis]
  /// The seeds each cell is replicated with (`seeds`), in declared order; empty without them.
  /// Each run's last assignment is then `seed=<its seed>`.
  public let seeds: [Int]
  /// Every run: rows × columns × sweep points, in that nesting order.
  public let runs: [RunSpec]
  /// The whole spec after overrides, as YAML.
  public let resolvedYAML: String

  /// Top-level keys of a spec file.
  public static let keys = [
    "experiment", "seed", "models", "datasets", "training", "evaluation", "profiles", "default_profile", "table", "sweep", "seeds",
  ]

  /// Loads and resolves the spec at `path`.
  /// - Parameters:
  ///   - profile: a name under `profiles`; nil for `default_profile` (or `paper`).
  ///   - overrides: `--set` assignments, applied after the profile.
  public static func load(path: String, profile: String? = nil, overrides: [SpecOverride] = []) throws -> ExperimentPlan {
    try resolve(SpecLoader.load(path: path), specPath: path, profile: profile, commandLine: overrides)
  }

  /// Resolves spec text (tests, tools).
  public static func parse(_ text: String, file: String = "<string>", profile: String? = nil, overrides: [SpecOverride] = []) throws -> ExperimentPlan {
    try resolve(SpecLoader.parse(text, file: file), specPath: file, profile: profile, commandLine: overrides)
  }

  /// Resolves a parsed spec; an error in a value from the command line is reported as coming
  /// from its `--set` (``CommandLineMark``).
  static func resolve(_ root: SpecNode, specPath: String, profile: String?, commandLine: [SpecOverride]) throws -> ExperimentPlan {
    let marked = commandLine.enumerated().map { $1.remarked(with: CommandLineMark.mark(forOverride: $0)) }
    do {
      return try ExperimentPlan(root: root, specPath: specPath, profile: profile, commandLine: marked)
    } catch let error as SpecError {
      throw error.attributed(to: commandLine)
    }
  }

  init(root original: SpecNode, specPath: String, profile requested: String?, commandLine: [SpecOverride]) throws {
    let originalMapping = try original.mapping(allowedKeys: ExperimentPlan.keys)
    let profiles = try ProfileSet(originalMapping.optional("profiles"))
    let chosen = try profiles.chosen(
      requested: requested, defaultProfile: originalMapping.optional("default_profile"), location: originalMapping.optional("profiles") ?? original)
    (profile, overrides, commandLineOverrides) = (chosen.name, chosen.overrides + commandLine, commandLine)
    self.specPath = specPath

    let root = try original.applying(overrides)
    let mapping = try root.mapping(allowedKeys: ExperimentPlan.keys)
    let experiment = try mapping.required("experiment").mapping(allowedKeys: ["name", "description"])
    let nameNode = try experiment.required("name")
    name = try nameNode.string()
    try PathComponent.validate(
      name, what: "experiment name", at: nameNode, allowed: "1 to \(SpecLimits.maximumNameBytes) bytes of letters, digits, - _ . (not '.' or '..')",
      characters: { $0.isLetter || $0.isNumber || "-_.".contains($0) })
    description = try experiment.optional("description")?.string() ?? ""
    let seedNode = mapping.optional("seed")
    _ = try seedNode?.integer(in: 0...Int.max)

    let modelsNode = try mapping.required("models")
    let modelNames = try ExperimentPlan.definitionNames(modelsNode, what: "model")
    let modelMapping = try modelsNode.mapping(allowedKeys: modelNames)
    models = try modelNames.map { try ModelSpec(name: $0, node: try modelMapping.required($0)) }
    let datasetsNode = try mapping.required("datasets")
    let datasetNames = try ExperimentPlan.definitionNames(datasetsNode, what: "dataset")
    let datasetMapping = try datasetsNode.mapping(allowedKeys: datasetNames)
    datasets = try datasetNames.map { try DatasetSpec(name: $0, node: try datasetMapping.required($0)) }
    _ = try TrainingSpec(node: try mapping.required("training"))
    _ = try EvaluationSpec(node: try mapping.required("evaluation"))
    let tableNode = try mapping.required("table")
    table = try TableSpec(node: tableNode, models: modelNames, datasets: datasetNames)

    let declaredSweep = try SweepReader(mapping.optional("sweep"))
    let replicates = try ReplicateSeeds(mapping.optional("seeds"), sweep: declaredSweep)
    let sweepReader = declaredSweep.appending(replicates)
    try sweepReader.checkRunCount(rows: table.rows.count, columns: table.columns.count, table: tableNode)
    sweep = declaredSweep.axes
    seeds = replicates.seeds
    let definitions = RunExpansion.Definitions(
      seed: seedNode?.node ?? Node("0"), training: try mapping.required("training").node, evaluation: try mapping.required("evaluation").node,
      models: modelMapping, datasets: datasetMapping, datasetSpecs: Dictionary(uniqueKeysWithValues: datasets.map { ($0.name, $0) }),
      modelNames: modelNames)
    runs = try RunExpansion(definitions, table: table, tableNode: tableNode, sweep: sweepReader).runs
    resolvedYAML = (try? Yams.serialize(node: root.node)) ?? ""
  }

  /// The folder of this plan's runs under a runs root: `<experiment>/<profile>`, with a hash of
  /// the `--set` overrides appended when there are any (`table1/quick+set-3f2a9c1e`), so that
  /// runs of different configurations never share a directory.
  public var runGroup: String {
    guard !commandLineOverrides.isEmpty else { return name + "/" + profile }
    let hash = Provenance.hash(commandLineOverrides.map(\.description).joined(separator: "\n"))
    return name + "/" + profile + "+set-" + hash.prefix(8)
  }

  /// The names under `models` or `datasets`: letters, digits, - and _ (no dots), at most
  /// ``SpecLimits/maximumNameBytes`` bytes.
  static func definitionNames(_ node: SpecNode, what: String) throws -> [String] {
    guard case .mapping(let entries) = node.node, !entries.isEmpty else { throw node.error("expected a mapping of \(what) names to definitions") }
    return try entries.map { key, _ in
      let name = key.scalar?.string ?? ""
      try PathComponent.validate(
        name, what: "\(what) name", at: SpecNode(node: key, keyPath: node.keyPath, file: node.file),
        allowed: "1 to \(SpecLimits.maximumNameBytes) bytes of letters, digits, - and _", characters: { $0.isLetter || $0.isNumber || "-_".contains($0) })
      return name
    }
  }
}
