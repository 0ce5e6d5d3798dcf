import ArgumentParser
import Foundation
import Harness

/// Why a command ends without success, beyond the spec and file errors of ``Harness``; each maps
/// to one exit status in ``ExitStatus``.
public enum CommandFailure: Error, Equatable, CustomStringConvertible {
  /// Runs failed; their reasons were printed as they ended.
  case runsFailed([String])
  /// Runs asked for by name could not run (their data is missing).
  case runsNotRun([String])
  /// Stopped by SIGINT/SIGTERM after checkpointing; the same command resumes.
  case interrupted
  /// Run directories hold runs of another configuration (one line each); nothing was trained.
  case configurationChanged([String])
  /// The command line asks for something that does not exist (an `--only` pattern that matches no run).
  case usage(String)

  /// The one-line message.
  public var description: String {
    switch self {
    case .runsFailed(let runs): return "\(runs.count) run\(runs.count == 1 ? "" : "s") failed: \(runs.joined(separator: ", "))"
    case .runsNotRun(let runs): return "\(runs.count) requested run\(runs.count == 1 ? "" : "s") could not run: \(runs.joined(separator: ", "))"
    case .interrupted: return "interrupted; run the same command again to resume from the last checkpoints"
    case .configurationChanged(let lines): return lines.joined(separator: "\nerror: ") + "\nnothing was trained"
    case .usage(let message): return message
    }
  }
}

/// The one place that maps what went wrong to the process's exit status and message:
/// 0 success, 1 a run failed or a file could not be read or written, 2 the spec or the command
/// line is wrong (nothing ran), 130 interrupted (resume with the same command).
public enum ExitStatus {
  /// Success.
  public static let success: Int32 = 0
  /// A run failed, or a file problem.
  public static let failure: Int32 = 1
  /// The spec or the command line is wrong; nothing ran.
  public static let usage: Int32 = 2
  /// Stopped on request; the same command resumes.
  public static let interrupted: Int32 = 130

  /// The status and the line to print (`error: …`) for an error a command threw; nil for errors
  /// of the argument parser, which prints its own help and usage messages.
  public static func of(_ error: Error) -> (status: Int32, message: String)? {
    switch error {
    case let error as SpecError: return (usage, "error: \(error)")
    case let error as HarnessError: return (failure, "error: \(error)")
    case let error as CommandFailure:
      switch error {
      case .interrupted: return (interrupted, "run: \(error)")
      case .configurationChanged, .usage: return (usage, "error: \(error)")
      case .runsFailed, .runsNotRun: return (failure, "run: \(error)")
      }
    case let error as DecodingError: return (failure, "error: \(DecodingFailure.describe(error))")
    default:
      let bridged = error as NSError
      guard [NSCocoaErrorDomain, NSPOSIXErrorDomain].contains(bridged.domain) else { return nil }
      let path = (bridged.userInfo[NSFilePathErrorKey] as? String) ?? (bridged.userInfo[NSURLErrorKey] as? URL)?.path ?? "(file)"
      return (failure, "error: \(path): \(FileOperations.reason(for: error))")
    }
  }
}
