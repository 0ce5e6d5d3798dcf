import Foundation
import Yams

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
