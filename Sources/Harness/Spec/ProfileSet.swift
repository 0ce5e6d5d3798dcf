/// The profiles of a spec (`profiles.<name>: {key.path: value}`): named lists of overrides, whose
/// names become directory names of runs.
struct ProfileSet {
  /// The names, in file order.
  private(set) var names: [String] = []
  /// Each profile's overrides, in file order.
  private(set) var overrides: [String: [SpecOverride]] = [:]

  /// What profile names may be.
  static let allowedNames = "1 to \(SpecLimits.maximumNameBytes) bytes without '/' or control characters, not '.' or '..'"

  /// Reads the `profiles` block (nil: no profiles).
  init(_ node: SpecNode?) throws {
    guard let node else { return }
    guard case .mapping(let entries) = node.node else { throw node.error("expected a mapping of profile names to overrides") }
    for (key, _) in entries {
      let name = key.scalar?.string ?? ""
      try PathComponent.validate(
        name, what: "profile name", at: SpecNode(node: key, keyPath: "profiles.\(name)", file: node.file), allowed: ProfileSet.allowedNames)
      names.append(name)
    }
    let profiles = try node.mapping(allowedKeys: names)
    for name in names {
      overrides[name] = try ProfileSet.assignments(try profiles.required(name), profile: name)
    }
  }

  /// The overrides of one profile: `key.path: value` entries, or nothing (`{}`, `~`).
  static func assignments(_ body: SpecNode, profile name: String) throws -> [SpecOverride] {
    if case .scalar(let scalar) = body.node, scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" { return [] }
    guard case .mapping(let assignments) = body.node else { throw body.error("expected a mapping of key.path: value overrides (or {} for none)") }
    return try assignments.map { key, value in
      guard let text = key.scalar?.string, !text.isEmpty else { throw body.error("override keys must be key paths such as training.iterations") }
      let located = SpecNode(node: key, keyPath: "profiles.\(name).\(text)", file: body.file)
      guard let path = SpecKeyPath.components(text) else { throw located.error("empty key in the key path '\(text)'") }
      guard !["profiles", "default_profile"].contains(path[0]) else { throw located.error("a profile cannot change the profiles") }
      guard ExperimentPlan.keys.contains(path[0]) else {
        throw located.error(
          "'\(path[0])' is not a top-level key; allowed: \(ExperimentPlan.keys.joined(separator: ", "))" + Suggestion.didYouMean(path[0], among: ExperimentPlan.keys))
      }
      return SpecOverride(path: path, value: value)
    }
  }

  /// The profile to apply and its overrides: `requested` (`--profile`), else `default_profile`,
  /// else `paper` or the first profile, else `default` (no overrides) for a spec without profiles.
  /// Errors about an undefined profile are located at `location` (the profiles, or the spec).
  func chosen(requested: String?, defaultProfile: SpecNode?, location: SpecNode) throws -> (name: String, overrides: [SpecOverride]) {
    let defaultName = try defaultProfile?.string()
    if let defaultProfile, let defaultName {
      try PathComponent.validate(defaultName, what: "profile name", at: defaultProfile, allowed: ProfileSet.allowedNames)
    }
    let chosen = requested ?? defaultName ?? (names.contains("paper") ? "paper" : names.first ?? "default")
    guard !names.isEmpty || requested != nil else { return (chosen, []) }
    guard let assignments = overrides[chosen] else {
      let defined = names.isEmpty ? "(none)" : names.joined(separator: ", ")
      throw location.error("profile '\(PathComponent.printable(chosen))' is not defined; profiles: \(defined)" + Suggestion.didYouMean(chosen, among: names))
    }
    return (chosen, assignments)
  }
}
