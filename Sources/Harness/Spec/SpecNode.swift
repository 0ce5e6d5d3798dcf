import Foundation
import Yams

/// A node of a parsed spec with its location, read strictly: every accessor checks the type and
/// range it expects and throws a ``SpecError`` naming the file, line, column and key path.
///
/// Codable silently ignores unknown keys, so specs are read through this type instead:
/// ``mapping(allowedKeys:)`` rejects any key it was not told about, suggesting the nearest
/// allowed one for a misspelling.
public struct SpecNode {
  /// The YAML node.
  public let node: Node
  /// Its dotted key path.
  public let keyPath: String
  /// The file it came from.
  public let file: String

  /// 1-based line.
  public var line: Int { (node.mark?.line ?? 0) }
  /// 1-based column.
  public var column: Int { (node.mark?.column ?? 0) }

  /// An error located at this node.
  /// (A node from the command line has a negative line, which the plan turns into the
  /// command-line form: ``CommandLineMark``.)
  public func error(_ message: String) -> SpecError {
    SpecError(file: file, line: line, column: column, keyPath: keyPath, message: message)
  }

  func child(_ node: Node, key: String) -> SpecNode {
    SpecNode(node: node, keyPath: SpecKeyPath.appending(key, to: keyPath), file: file)
  }

  /// The node as a mapping whose keys must all be in `allowedKeys`.
  public func mapping(allowedKeys: [String]) throws -> SpecMapping {
    guard case .mapping(let mapping) = node else { throw error("expected a mapping with keys \(allowedKeys.joined(separator: ", ")), found \(kind)") }
    var entries: [(String, SpecNode, SpecNode)] = []
    for (keyNode, value) in mapping {
      let keyContext = SpecNode(node: keyNode, keyPath: keyPath, file: file)
      guard let key = keyNode.scalar?.string else { throw keyContext.error("keys must be plain names") }
      guard allowedKeys.contains(key) else {
        let located = SpecNode(node: keyNode, keyPath: SpecKeyPath.appending(key, to: keyPath), file: file)
        throw located.error("unknown key '\(key)'; allowed: \(allowedKeys.joined(separator: ", "))" + Suggestion.didYouMean(key, among: allowedKeys))
      }
      entries.append((key, keyContext, child(value, key: key)))
    }
    return SpecMapping(owner: self, entries: entries)
  }

  /// The node as a sequence, items located as `path[i]`.
  public func sequence() throws -> [SpecNode] {
    guard case .sequence(let sequence) = node else { throw error("expected a list, found \(kind)") }
    return sequence.enumerated().map { SpecNode(node: $1, keyPath: "\(keyPath)[\($0)]", file: file) }
  }

  /// Whether the node is a list (sweep axes are lists where a single value is expected).
  public var isSequence: Bool {
    if case .sequence = node { return true }
    return false
  }

  /// A string scalar.
  public func string() throws -> String {
    guard case .scalar(let scalar) = node else { throw error("expected a string, found \(kind)") }
    return scalar.string
  }

  /// An integer in `range`.
  public func integer(in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
    let scalar = try plainScalar(expected: "an integer")
    guard let value = Int(scalar.string) else { throw error("expected an integer, found \(description)") }
    guard range.contains(value) else { throw error("\(value) is out of range; allowed: \(SpecNode.describe(range))") }
    return value
  }

  /// A number satisfying `condition`, described by `allowed` (for example "in (0, 1)").
  public func number(allowed: String = "any number", where condition: (Double) -> Bool = { _ in true }) throws -> Double {
    let scalar = try plainScalar(expected: "a number")
    guard let value = Double(scalar.string), value.isFinite else { throw error("expected a number, found \(description)") }
    guard condition(value) else { throw error("\(scalar.string) is out of range; allowed: \(allowed)") }
    return value
  }

  /// A boolean (`true` / `false`).
  public func boolean() throws -> Bool {
    let scalar = try plainScalar(expected: "true or false")
    guard let value = Bool(scalar.string.lowercased()) else { throw error("expected true or false, found \(description)") }
    return value
  }

  /// The scalar of a node that must be written plain: a quoted (`"0.9"`, `'30'`) or block scalar
  /// is a string, not a number or a boolean, whatever its text.
  func plainScalar(expected: String) throws -> Node.Scalar {
    guard case .scalar(let scalar) = node else { throw error("expected \(expected), found \(kind)") }
    guard scalar.style == .any || scalar.style == .plain else {
      throw error("expected \(expected), found the string '\(PathComponent.printable(scalar.string))' (quoted)")
    }
    return scalar
  }

  /// One of the raw values of `type`.
  public func choice<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type) throws -> Choice where Choice.RawValue == String {
    let allowed = Choice.allCases.map(\.rawValue)
    guard case .scalar(let scalar) = node else { throw error("expected one of \(allowed.joined(separator: ", ")), found \(kind)") }
    guard let value = Choice(rawValue: scalar.string) else {
      throw error("'\(scalar.string)' is not allowed; allowed: \(allowed.joined(separator: ", "))" + Suggestion.didYouMean(scalar.string, among: allowed))
    }
    return value
  }

  var kind: String {
    switch node {
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .scalar: return "a scalar"
    case .alias: return "an alias"
    }
  }

  var description: String {
    if case .scalar(let scalar) = node { return "'\(scalar.string)'" }
    return kind
  }

  static func describe(_ range: ClosedRange<Int>) -> String {
    if range.upperBound == Int.max { return "≥ \(range.lowerBound)" }
    return "\(range.lowerBound)…\(range.upperBound)"
  }
}

/// The checked entries of a spec mapping.
public struct SpecMapping {
  let owner: SpecNode
  let entries: [(key: String, keyNode: SpecNode, value: SpecNode)]

  /// The keys present, in file order.
  public var keys: [String] { entries.map(\.key) }

  /// The value of `key`, which must be present.
  public func required(_ key: String) throws -> SpecNode {
    guard let value = optional(key) else { throw owner.error("missing required key '\(key)'") }
    return value
  }

  /// The value of `key`, or nil.
  public func optional(_ key: String) -> SpecNode? {
    entries.first { $0.key == key }?.value
  }
}

/// Parses spec text into a ``SpecNode`` tree.
public enum SpecLoader {
  /// Parses YAML text; syntax errors and duplicate keys become ``SpecError``s with their location.
  /// Text beyond ``SpecLimits/maximumSourceBytes`` and trees beyond ``SpecLimits/maximumNodes``
  /// (aliases expanded) are refused.
  public static func parse(_ text: String, file: String = "<string>") throws -> SpecNode {
    guard text.utf8.count <= SpecLimits.maximumSourceBytes else {
      throw SpecError(
        file: file, line: 1, column: 1, keyPath: "",
        message: "the spec is \(text.utf8.count) bytes long; allowed: at most \(SpecLimits.maximumSourceBytes) bytes")
    }
    let root: SpecNode
    do {
      guard let node = try Yams.compose(yaml: text) else {
        throw SpecError(file: file, line: 1, column: 1, keyPath: "", message: "the spec is empty")
      }
      root = SpecNode(node: node, keyPath: "", file: file)
    } catch let error as YamlError {
      throw locate(error, file: file)
    }
    try checkNodeCount(root)
    return root
  }

  /// Reads and parses a spec file.
  public static func load(path: String) throws -> SpecNode {
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > SpecLimits.maximumSourceBytes {
      throw SpecError(file: path, line: 1, column: 1, keyPath: "", message: "the spec is \(size) bytes long; allowed: at most \(SpecLimits.maximumSourceBytes) bytes")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SpecError(file: path, line: 0, column: 0, keyPath: "", message: "cannot read the file (missing or unreadable)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw SpecError(file: path, line: 0, column: 0, keyPath: "", message: "the file is not UTF-8 text")
    }
    return try parse(text, file: path)
  }

  static func locate(_ error: YamlError, file: String) -> SpecError {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
      return SpecError(file: file, line: mark.line, column: mark.column, keyPath: "", message: "YAML syntax error: \(problem)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      return SpecError(
        file: file, line: context.mark.line, column: context.mark.column, keyPath: "",
        message: "duplicate keys \(duplicates.joined(separator: ", "))")
    default:
      return SpecError(file: file, line: 0, column: 0, keyPath: "", message: "YAML error: \(error)")
    }
  }
}
