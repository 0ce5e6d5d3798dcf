import Foundation
import Synchronization

/// Runs a program to its end as a child process and captures what it prints.
///
/// Standard output and standard error are read at the same time, so a child that fills one pipe
/// while the other is being read does not block. Standard input is inherited.
public enum ChildProcess {
  /// What a finished child process printed, and how it ended.
  public struct Output: Equatable, Sendable {
    /// The program as given to ``ChildProcess/run(_:_:in:)``.
    public var program: String
    /// The exit status, or the signal number when the child was killed by a signal.
    public var status: Int32
    /// Everything the child wrote to its standard output, decoded as UTF-8.
    public var standardOutput: String
    /// Everything the child wrote to its standard error, decoded as UTF-8.
    public var standardError: String

    /// The standard output of a child that exited with status 0.
    /// - Throws: ``HarnessError/io(path:reason:)`` naming the program, its status and its
    ///   standard error otherwise.
    public func successfulOutput() throws -> String {
      guard status == 0 else {
        let reason = standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        throw HarnessError.io(path: program, reason: "exited with status \(status)" + (reason.isEmpty ? "" : ": " + reason))
      }
      return standardOutput
    }
  }

  /// Runs `program` with `arguments` and waits for it. A program given as a path (containing a
  /// `/`) is run as is; a bare name is looked up on `PATH` (through `/usr/bin/env`).
  /// `directory` is the child's working directory (nil: this process's).
  /// - Throws: ``HarnessError/io(path:reason:)`` when the program cannot be started; a child that
  ///   starts and fails is an ``Output`` with its status.
  public static func run(_ program: String, _ arguments: [String], in directory: String? = nil) throws -> Output {
    let process = Process()
    if program.contains("/") {
      process.executableURL = URL(fileURLWithPath: program)
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [program] + arguments
    }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    do { try process.run() } catch {
      throw HarnessError.io(path: program, reason: "cannot run (\(FileOperations.reason(for: error)))")
    }
    let errorText = PipeReader(error)
    let outputText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let standardError = errorText.text()
    process.waitUntilExit()
    return Output(program: program, status: process.terminationStatus, standardOutput: outputText, standardError: standardError)
  }

  /// Reads a pipe to its end on another thread.
  final class PipeReader: Sendable {
    private let data = Mutex(Data())
    private let finished = DispatchSemaphore(value: 0)

    /// Starts reading `pipe`.
    init(_ pipe: Pipe) {
      let handle = pipe.fileHandleForReading
      DispatchQueue.global().async { [self] in
        let read = handle.readDataToEndOfFile()
        data.withLock { $0 = read }
        finished.signal()
      }
    }

    /// Everything read, decoded as UTF-8, once the pipe is closed.
    func text() -> String {
      finished.wait()
      return String(decoding: data.withLock { $0 }, as: UTF8.self)
    }
  }
}
