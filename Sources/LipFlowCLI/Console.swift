import Foundation

/// Where commands write their lines: standard output and standard error, or, in tests, whatever
/// the caller captures. Passed down as a task-local so that a test can run a command and read
/// what it printed without touching the process's file descriptors.
public struct Console: Sendable {
  /// Writes one line of normal output.
  public var output: @Sendable (String) -> Void
  /// Writes one line of error output.
  public var error: @Sendable (String) -> Void

  /// Creates a console from two line writers.
  public init(output: @escaping @Sendable (String) -> Void, error: @escaping @Sendable (String) -> Void) {
    self.output = output
    self.error = error
  }

  /// The process's standard output and standard error, one `write` per line, so that the lines
  /// of workers and their parent interleave whole.
  public static let standard = Console(
    output: { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) },
    error: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })

  /// The console of the running command.
  @TaskLocal public static var current = Console.standard
}

/// Writes a line of normal output to the current console.
func say(_ line: String) {
  Console.current.output(line)
}

/// Writes a line to the current console's error output.
func printError(_ line: String) {
  Console.current.error(line)
}
