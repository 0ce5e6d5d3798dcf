import Yams

/// One `key.path=value` assignment: a command-line override (`--set training.iterations=1000`,
/// as Hydra users write it), a profile's override, or one coordinate of a sweep point.
public struct SpecOverride: Equatable, CustomStringConvertible {
  /// The dotted key path, e.g. `["training", "iterations"]`.
  public let path: [String]
  /// The new value (any YAML: a scalar, `[1, 2]`, `{a: 1}`).
  public let value: Node
  /// The text it was parsed from, nil when made from a path and a node.
  let sourceText: String?

  /// Creates an override from a path and a YAML node.
  public init(path: [String], value: Node) {
    self.path = path
    self.value = value
    sourceText = nil
  }

  /// The text it was written as (`training.iterations='30'`), for error messages; for an
  /// override made from a path and a node, its ``description``.
  public var source: String { sourceText ?? description }

  /// Parses `key.path=value`; the value is read as YAML, so `3`, `0.98`, `true` and `[3, 4]` keep
  /// their types (and `'3'` is a string). A value of more than ``SpecLimits/maximumNodes`` nodes,
  /// aliases expanded, is refused.
  public init(parsing text: String) throws {
    func failure(_ keyPath: String, _ message: String) -> SpecError { SpecError(commandLine: "--set " + text, keyPath: keyPath, message: message) }
    guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { throw failure("", "expected key.path=value") }
    let keyPath = String(text[..<equals])
    guard let path = SpecKeyPath.components(keyPath) else { throw failure(keyPath, "empty key in the key path; expected key.path=value") }
    let valueText = String(text[text.index(after: equals)...])
    guard let value = try? Yams.compose(yaml: valueText.isEmpty ? "''" : valueText) else {
      throw failure(keyPath, "cannot read the value '\(valueText)' as YAML")
    }
    guard !value.hasMoreNodes(than: SpecLimits.maximumNodes) else { throw failure(keyPath, SpecLoader.tooManyNodes("the value")) }
    self.path = path
    self.value = value
    sourceText = text
  }

  /// Overrides are equal when they set the same path to the same value, however written.
  public static func == (left: SpecOverride, right: SpecOverride) -> Bool {
    left.path == right.path && left.value == right.value
  }

  /// `key.path=value`.
  public var description: String {
    "\(path.joined(separator: "."))=\(SpecOverride.render(value))"
  }

  /// This override with every node of its value carrying `mark` (see ``CommandLineMark``).
  func remarked(with mark: Mark?) -> SpecOverride {
    SpecOverride(path: path, value: value.remarked(with: mark), sourceText: sourceText)
  }

  private init(path: [String], value: Node, sourceText: String?) {
    self.path = path
    self.value = value
    self.sourceText = sourceText
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
  /// the last key is missing (intermediate mappings are created as needed, located where the
  /// override's value is). The result is still read strictly afterwards, so an override cannot
  /// introduce an unknown key unnoticed.
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
    let keyNode = Node.scalar(Node.Scalar(key, .implicit, .any, value.mark))
    // Yams' key lookup compares resolved tags (a regular expression per key); comparing the text
    // first finds the same entry at a fraction of the cost.
    let index = mapping.indices.filter { mapping[$0].key.scalar?.string == key && mapping[$0].key == keyNode }.last
    let existing = index.map { mapping[$0].value } ?? Node.mapping(Node.Mapping([], .implicit, .any, value.mark))
    let replaced = try set(value, at: path.dropFirst(), in: existing, location: location, fullPath: fullPath)
    if let index {
      mapping[index] = (key: mapping[index].key, value: replaced)
    } else {
      mapping[keyNode] = replaced
    }
    return .mapping(mapping)
  }
}
