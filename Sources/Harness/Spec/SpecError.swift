/// A problem in an experiment spec, located in its file: one line, as
/// `file:line:column: key.path: what is wrong; what is allowed`.
public struct SpecError: Error, Equatable, CustomStringConvertible {
  /// The spec file (or `<string>` for text given directly).
  public let file: String
  /// 1-based line of the offending node (0 when the file could not be read).
  public let line: Int
  /// 1-based column.
  public let column: Int
  /// The dotted key path, with `[i]` for sequence items (`models.resflow.coefficient`).
  public let keyPath: String
  /// What is wrong and what is allowed.
  public let message: String

  /// Creates an error.
  public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.keyPath = keyPath
    self.message = message
  }

  /// The one-line form.
  public var description: String {
    "\(file):\(line):\(column): \(keyPath.isEmpty ? "" : keyPath + ": ")\(message)"
  }
}
