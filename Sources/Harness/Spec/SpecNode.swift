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
