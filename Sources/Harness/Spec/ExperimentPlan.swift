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
  /// The sweep axes, in declared order.
  public let sweep: [SweepAxis]
  /// Every run: rows × columns × sweep points, in that nesting order.
  public let runs: [RunSpec]
  /// The whole spec after overrides, as YAML.
  public let resolvedYAML: String

  /// Top-level keys of a spec file.
  public static let keys = [
    "experiment", "seed", "models", "datasets", "training", "evaluation", "profiles", "default_profile", "table", "sweep",
  ]

  /// Loads and resolves the spec at `path`.
  /// - Parameters:
  ///   - profile: a name under `profiles`; nil for `default_profile` (or `paper`).
  ///   - overrides: `--set` assignments, applied after the profile.
  public static func load(path: String, profile: String? = nil, overrides: [SpecOverride] = []) throws -> ExperimentPlan {
    try ExperimentPlan(root: SpecLoader.load(path: path), specPath: path, profile: profile, commandLine: overrides)
  }

  /// Resolves spec text (tests, tools).
  public static func parse(_ text: String, file: String = "<string>", profile: String? = nil, overrides: [SpecOverride] = []) throws -> ExperimentPlan {
    try ExperimentPlan(root: SpecLoader.parse(text, file: file), specPath: file, profile: profile, commandLine: overrides)
  }

  init(root original: SpecNode, specPath: String, profile requested: String?, commandLine: [SpecOverride]) throws {
    let originalMapping = try original.mapping(allowedKeys: ExperimentPlan.keys)
    var profileNames: [String] = []
    var profileOverrides: [String: [SpecOverride]] = [:]
    if let profilesNode = originalMapping.optional("profiles") {
      guard case .mapping(let entries) = profilesNode.node else { throw profilesNode.error("expected a mapping of profile names to overrides") }
      profileNames = entries.compactMap { $0.key.scalar?.string }
      let profiles = try profilesNode.mapping(allowedKeys: profileNames)
      for name in profileNames {
        let body = try profiles.required(name)
        if case .scalar(let scalar) = body.node, scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" {
          profileOverrides[name] = []
          continue
        }
        guard case .mapping(let assignments) = body.node else { throw body.error("expected a mapping of key.path: value overrides (or {} for none)") }
        profileOverrides[name] = try assignments.map { key, value in
          guard let text = key.scalar?.string, !text.isEmpty else { throw body.error("override keys must be key paths such as training.iterations") }
          let path = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
          let located = SpecNode(node: key, keyPath: "profiles.\(name).\(text)", file: original.file)
          guard path.allSatisfy({ !$0.isEmpty }) else { throw located.error("empty key in the key path '\(text)'") }
          guard !["profiles", "default_profile"].contains(path[0]) else { throw located.error("a profile cannot change the profiles") }
          guard ExperimentPlan.keys.contains(path[0]) else {
            var message = "'\(path[0])' is not a top-level key; allowed: \(ExperimentPlan.keys.joined(separator: ", "))"
            if let suggestion = SpecNode.nearest(path[0], in: ExperimentPlan.keys) { message += "; did you mean '\(suggestion)'?" }
            throw located.error(message)
          }
          return SpecOverride(path: path, value: value)
        }
      }
    }
    let defaultProfile = try originalMapping.optional("default_profile")?.string()
    let chosen = requested ?? defaultProfile ?? (profileNames.contains("paper") ? "paper" : profileNames.first ?? "default")
    if !profileNames.isEmpty || requested != nil {
      guard let assignments = profileOverrides[chosen] else {
        var message = "profile '\(chosen)' is not defined; profiles: \(profileNames.isEmpty ? "(none)" : profileNames.joined(separator: ", "))"
        if let suggestion = SpecNode.nearest(chosen, in: profileNames) { message += "; did you mean '\(suggestion)'?" }
        let location = originalMapping.optional("profiles") ?? original
        throw location.error(message)
      }
      overrides = assignments + commandLine
    } else {
      overrides = commandLine
    }
    profile = chosen
    self.specPath = specPath
    commandLineOverrides = commandLine

    let root = try original.applying(overrides)
    let mapping = try root.mapping(allowedKeys: ExperimentPlan.keys)
    let experiment = try mapping.required("experiment").mapping(allowedKeys: ["name", "description"])
    let nameNode = try experiment.required("name")
    name = try nameNode.string()
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
      throw nameNode.error("'\(name)' is not usable as a directory name; use letters, digits, - _ .")
    }
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
    table = try TableSpec(node: try mapping.required("table"), models: modelNames, datasets: datasetNames)

    var axes: [SweepAxis] = []
    if let sweepNode = mapping.optional("sweep") {
      guard case .mapping(let entries) = sweepNode.node else { throw sweepNode.error("expected a mapping of key.path: [values]") }
      for (key, values) in entries {
        let text = key.scalar?.string ?? ""
        let located = SpecNode(node: key, keyPath: "sweep.\(text)", file: root.file)
        let path = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard path.allSatisfy({ !$0.isEmpty }), let first = path.first else { throw located.error("expected a key path such as model.depth") }
        guard RunSpec.keys.contains(first) else {
          var message = "a sweep axis is a key path into a run (\(RunSpec.keys.joined(separator: ", "))), not '\(first)'"
          if let suggestion = SpecNode.nearest(first, in: RunSpec.keys) { message += "; did you mean '\(suggestion)'?" }
          throw located.error(message)
        }
        guard case .sequence(let list) = values, !list.isEmpty else {
          throw SpecNode(node: values, keyPath: "sweep.\(text)", file: root.file).error("expected a non-empty list of values")
        }
        axes.append(SweepAxis(path: path, values: Array(list)))
      }
    }
    sweep = axes

    let training = try mapping.required("training").node
    let evaluation = try mapping.required("evaluation").node
    let seed = seedNode?.node ?? Node("0")
    // Column-specific blocks: on image data `models.<row>.image` over the model's own keys, then
    // `datasets.<column>.model/training/evaluation` over the model and the top-level blocks.
    let imageColumns = Set(datasets.filter { $0.kind != .toy }.map(\.name))
    func modelNode(_ row: String, column: String) throws -> Node {
      let dataNode = try datasetMapping.required(column).node
      var node = try modelMapping.required(row).node
      if imageColumns.contains(column), let image = node.value(forKey: "image") { node = node.overlaid(with: image) }
      node = node.removingKeys(["image"])
      if let columnModel = dataNode.value(forKey: "model") { node = node.overlaid(with: columnModel) }
      return node
    }
    var runs: [RunSpec] = []
    let points = SweepExpansion.expand(axes)
    var targetsByColumn: [String: [String: ModelSpec]] = [:]
    for column in table.columns {
      targetsByColumn[column] = Dictionary(uniqueKeysWithValues: try modelNames.map { name in
        (name, try ModelSpec(name: name, node: SpecNode(node: try modelNode(name, column: column), keyPath: "models.\(name)", file: root.file)))
      })
    }
    for row in table.rows {
      for column in table.columns {
        for point in points {
          let dataNode = try datasetMapping.required(column).node
          let tree = Node.mapping(Node.Mapping([
            (Node("seed"), seed), (Node("model"), try modelNode(row, column: column)),
            (Node("data"), dataNode.removingKeys(["model", "training", "evaluation"])),
            (Node("training"), dataNode.value(forKey: "training").map { training.overlaid(with: $0) } ?? training),
            (Node("evaluation"), dataNode.value(forKey: "evaluation").map { evaluation.overlaid(with: $0) } ?? evaluation),
          ]))
          let base = SpecNode(node: tree, keyPath: "", file: root.file)
          let identifier = ([row, column] + point.assignments.map { SweepExpansion.slug($0.description) }).joined(separator: "-")
          runs.append(try RunSpec(
            identifier: identifier, modelName: row, datasetName: column, assignments: point.assignments,
            node: try base.applying(point.assignments), budgetTargets: targetsByColumn[column] ?? [:]))
        }
      }
    }
    self.runs = runs
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

  /// The names under `models` or `datasets`, which must be plain identifiers (no dots).
  static func definitionNames(_ node: SpecNode, what: String) throws -> [String] {
    guard case .mapping(let entries) = node.node, !entries.isEmpty else { throw node.error("expected a mapping of \(what) names to definitions") }
    return try entries.map { key, _ in
      let name = key.scalar?.string ?? ""
      guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
        throw SpecNode(node: key, keyPath: node.keyPath, file: node.file).error("\(what) name '\(name)' must use only letters, digits, - and _")
      }
      return name
    }
  }
}
