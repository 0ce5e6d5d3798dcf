import Yams

/// One `key.path=value` assignment: a command-line override (`--set training.iterations=1000`,
/// as Hydra users write it) or one coordinate of a sweep point.
public struct SpecOverride: Equatable, CustomStringConvertible {
  /// The dotted key path, e.g. `["training", "iterations"]`.
  public let path: [String]
  /// The new value (any YAML: a scalar, `[1, 2]`, `{a: 1}`).
  public let value: Node

  /// Creates an override from a path and a YAML node.
  public init(path: [String], value: Node) {
    self.path = path
    self.value = value
  }

  /// Parses `key.path=value`; the value is read as YAML, so `3`, `0.98`, `true` and `[3, 4]` keep
  /// their types.
  public init(parsing text: String) throws {
    guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
      throw SpecError(file: "<command line>", line: 0, column: 0, keyPath: "", message: "override '\(text)' must look like key.path=value")
    }
    let path = text[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard path.allSatisfy({ !$0.isEmpty }) else {
      throw SpecError(file: "<command line>", line: 0, column: 0, keyPath: String(text[..<equals]), message: "empty key in override '\(text)'")
    }
    let valueText = String(text[text.index(after: equals)...])
    guard let value = try? Yams.compose(yaml: valueText.isEmpty ? "''" : valueText) else {
      throw SpecError(file: "<command line>", line: 0, column: 0, keyPath: path.joined(separator: "."), message: "cannot read the value '\(valueText)' as YAML")
    }
    self.init(path: path, value: value)
  }

  /// `key.path=value`.
  public var description: String {
    "\(path.joined(separator: "."))=\(SpecOverride.render(value))"
  }

  /// A compact one-line rendering of a YAML node (for run names and resolved-spec records).
  static func render(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar): return scalar.string
    case .sequence(let sequence): return "[" + sequence.map(render).joined(separator: ", ") + "]"
    case .mapping(let mapping): return "{" + mapping.map { "\(render($0.key)): \(render($0.value))" }.joined(separator: ", ") + "}"
    case .alias: return "*alias"
    }
  }
}

extension SpecNode {
  /// A copy of the tree with `override` applied: the value at its key path replaced, or added when
  /// the last key is missing (intermediate mappings are created as needed). The result is still
  /// read strictly afterwards, so an override cannot introduce an unknown key unnoticed.
  public func applying(_ override: SpecOverride) throws -> SpecNode {
    SpecNode(node: try SpecNode.set(override.value, at: override.path[...], in: node, location: self, fullPath: override.path), keyPath: keyPath, file: file)
  }

  /// A copy with every override applied in order.
  public func applying(_ overrides: [SpecOverride]) throws -> SpecNode {
    try overrides.reduce(self) { try $0.applying($1) }
  }

  static func set(_ value: Node, at path: ArraySlice<String>, in node: Node, location: SpecNode, fullPath: [String]) throws -> Node {
    guard let key = path.first else { return value }
    guard case .mapping(var mapping) = node else {
      let prefix = fullPath[..<(fullPath.count - path.count)].joined(separator: ".")
      throw SpecError(
        file: location.file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, keyPath: prefix,
        message: "cannot set '\(fullPath.joined(separator: "."))': '\(prefix)' is not a mapping")
    }
    let keyNode = Node(key)
    let existing = mapping[keyNode] ?? Node.mapping(Node.Mapping([]))
    mapping[keyNode] = try set(value, at: path.dropFirst(), in: existing, location: location, fullPath: fullPath)
    return .mapping(mapping)
  }
}
