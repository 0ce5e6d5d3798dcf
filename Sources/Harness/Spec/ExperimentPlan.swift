import Foundation
import Yams

/// A spec file resolved into the runs it asks for: profile and command-line overrides applied,
/// every definition read strictly, sweeps expanded, budgets matched.
///
/// The layers are applied in the order ``OverrideLayer`` lists, in these steps: choose the profile,
/// apply it and `--set` to the file, read the experiment, the definitions (``SpecDefinitions``),
/// the table and the sweep (``SweepSpec``), then expand the runs (``RunExpansion``). Anything
/// wrong is a ``SpecError`` before any run starts.
public struct ExperimentPlan {
  /// The spec file.
  public let specPath: String
  /// `experiment.name`: the directory under the runs root and the report's file name.
  public let name: String
  /// `experiment.description`.
  public let description: String
  /// The profile applied.
  public let profile: String
  /// The profile applied when none is requested (`default_profile`, else `paper` or the first
  /// one, else `default`); nil when the spec's `default_profile` names none of its profiles.
  public let defaultProfile: String?
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
  /// The declared sweep: global axes, each model's own axes, replicate seeds.
  public let declaredSweep: SweepSpec
  /// The global sweep axes, in declared order (without the models' own axes and the replicate seeds).
  public var sweep: [SweepAxis] { declaredSweep.axes }
  /// The seeds each cell is replicated with (`seeds`), in declared order; empty without them.
  /// Each run's last assignment is then `seed=<its seed>`.
  public var seeds: [Int] { declaredSweep.seeds }
  /// Every run: rows × columns × the row's sweep points, in that nesting order.
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
    self.specPath = specPath
    let chosen = try ExperimentPlan.chosenProfile(of: original, requested: requested)
    (profile, overrides, commandLineOverrides) = (chosen.name, chosen.overrides + commandLine, commandLine)
    defaultProfile = requested == nil ? chosen.name : (try? ExperimentPlan.chosenProfile(of: original, requested: nil))?.name
    let root = try original.applying(overrides)
    let mapping = try root.mapping(allowedKeys: ExperimentPlan.keys)
    (name, description) = try ExperimentPlan.experiment(try mapping.required("experiment"))
    let definitions = try SpecDefinitions(mapping)
    (models, datasets) = (definitions.modelSpecs, definitions.datasetSpecs)
    let tableNode = try mapping.required("table")
    table = try TableSpec(node: tableNode, models: definitions.modelNames, datasets: definitions.datasetNames)
    declaredSweep = try SweepSpec(spec: mapping, models: definitions.models)
    try declaredSweep.checkRunCount(rows: table.rows, columns: table.columns.count, table: tableNode)
    runs = try RunExpansion(definitions, table: table, tableNode: tableNode, sweep: declaredSweep).runs
    resolvedYAML = (try? Yams.serialize(node: root.node)) ?? ""
  }

  /// The profile to apply (``OverrideLayer/profile``): `requested`, else the file's
  /// `default_profile`, else `paper` or the first one; read from the file before any override.
  static func chosenProfile(of original: SpecNode, requested: String?) throws -> (name: String, overrides: [SpecOverride]) {
    let mapping = try original.mapping(allowedKeys: ExperimentPlan.keys)
    let profiles = try ProfileSet(mapping.optional("profiles"))
    return try profiles.chosen(
      requested: requested, defaultProfile: mapping.optional("default_profile"), location: mapping.optional("profiles") ?? original)
  }

  /// `experiment.name` (checked as a directory name) and `experiment.description`.
  static func experiment(_ node: SpecNode) throws -> (name: String, description: String) {
    let experiment = try node.mapping(allowedKeys: ["name", "description"])
    let nameNode = try experiment.required("name")
    let name = try nameNode.string()
    try PathComponent.validate(
      name, what: "experiment name", at: nameNode, allowed: "1 to \(SpecLimits.maximumNameBytes) bytes of letters, digits, - _ . (not '.' or '..')",
      characters: { $0.isLetter || $0.isNumber || "-_.".contains($0) })
    return (name, try experiment.optional("description")?.string() ?? "")
  }

  /// The folder of this plan's runs under a runs root: `<experiment>/<profile>`, with a hash of
  /// the `--set` overrides appended when there are any (`table1/quick+set-3f2a9c1e`), so that
  /// runs of different configurations never share a directory.
  public var runGroup: String {
    guard !commandLineOverrides.isEmpty else { return name + "/" + profile }
    let hash = Provenance.hash(commandLineOverrides.map(\.description).joined(separator: "\n"))
    return name + "/" + profile + "+set-" + hash.prefix(8)
  }
}
