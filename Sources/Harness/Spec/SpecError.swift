/// A problem in an experiment spec, located in its file: one line, as
/// `file:line:column: key.path: what is wrong; what is allowed`, or, for a value given on the
/// command line, `<command line>: --set key.path=value: key.path: what is wrong; what is allowed`.
public struct SpecError: Error, Equatable, CustomStringConvertible {
  /// The spec file (or `<string>` for text given directly, `<command line>` for a `--set`).
  public let file: String
  /// 1-based line of the offending node (0 when the file could not be read or for the command line).
  public let line: Int
  /// 1-based column.
  public let column: Int
  /// The dotted key path, with `[i]` for sequence items (`models.resflow.coefficient`).
  public let keyPath: String
  /// What is wrong and what is allowed.
  public let message: String
  /// The command-line argument the offending value came from (`--set models.resflow.coefficient=2`), if any.
  public let commandLine: String?

  /// Creates an error.
  public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.keyPath = keyPath
    self.message = message
    commandLine = nil
  }

  /// Creates an error in a value given on the command line as `argument` (`--set key=value`).
  public init(commandLine argument: String, keyPath: String, message: String) {
    file = SpecError.commandLineFile
    line = 0
    column = 0
    self.keyPath = keyPath
    self.message = message
    commandLine = argument
  }

  /// The `file` of errors in command-line values.
  public static let commandLineFile = "<command line>"

  /// The one-line form.
  public var description: String {
    let location = commandLine.map { "\(file): \(PathComponent.printable($0))" } ?? "\(file):\(line):\(column)"
    return "\(location): \(keyPath.isEmpty ? "" : keyPath + ": ")\(message)"
  }
}
