import Foundation
import Yams

/// What a run directory holds, seen before deciding what to train: nothing yet, the finished run,
/// a run to resume, a run of another configuration, or something unreadable.
public enum RunDirectoryState: Equatable, Sendable {
  /// No manifest: the run has not started.
  case new
  /// Finished with this configuration.
  case completed
  /// Started with this configuration and not finished (running, interrupted, failed or not run).
  case resumable(RunStatus, iterationsCompleted: Int)
  /// Holds a run of another configuration: the recorded and current spec hashes, and the first
  /// key paths whose values differ.
  case changed(recorded: String, now: String, keyPaths: [String])
  /// The manifest cannot be read.
  case unreadable(String)

  /// Whether a `run` command trains it.
  public var isPending: Bool {
    switch self {
    case .new, .resumable: return true
    case .completed, .changed, .unreadable: return false
    }
  }

  /// Inspects `directory` for `run`.
  public static func inspect(_ run: RunSpec, directory: String) -> RunDirectoryState {
    let manifest: RunManifest?
    do { manifest = try RunManifest.read(directory: directory) } catch { return .unreadable("\(error)") }
    guard let manifest else { return .new }
    let now = Provenance.hash(run.resolvedYAML)
    guard manifest.specHash == now else {
      let recorded = (try? String(contentsOfFile: directory + "/spec.yaml", encoding: .utf8)) ?? ""
      return .changed(recorded: manifest.specHash, now: now, keyPaths: ConfigurationDifference.keyPaths(from: recorded, to: run.resolvedYAML))
    }
    return manifest.status == .completed ? .completed : .resumable(manifest.status, iterationsCompleted: manifest.iterationsCompleted)
  }

  /// One line for `directory` in this state, for a refusal to train it.
  public func refusal(directory: String) -> String? {
    guard case .changed(let recorded, let now, let keyPaths) = self else { return nil }
    let changes = keyPaths.isEmpty ? "" : "; changed: " + keyPaths.joined(separator: ", ")
    return "\(directory): holds a run of another configuration (spec hash \(recorded), this spec resolves to \(now)\(changes)); "
      + "remove the directory or use another --runs-dir"
  }
}

/// The key paths at which two resolved configurations differ, for messages.
public enum ConfigurationDifference {
  /// Up to `limit` dotted key paths whose values differ between the YAML texts `old` and `new`
  /// (empty when either cannot be read).
  public static func keyPaths(from old: String, to new: String, limit: Int = 5) -> [String] {
    guard let before = try? Yams.compose(yaml: old), let after = try? Yams.compose(yaml: new) else { return [] }
    var found: [String] = []
    collect(before, after, path: "", into: &found, limit: limit)
    return found
  }

  static func collect(_ old: Node?, _ new: Node?, path: String, into found: inout [String], limit: Int) {
    guard found.count < limit else { return }
    if case .mapping(let before)? = old, case .mapping(let after)? = new {
      var keys: [String] = []
      for key in before.keys.compactMap(\.scalar?.string) + after.keys.compactMap(\.scalar?.string) where !keys.contains(key) { keys.append(key) }
      for key in keys {
        collect(before[Node(key)], after[Node(key)], path: path.isEmpty ? key : path + "." + key, into: &found, limit: limit)
      }
    } else if old != new {
      found.append(path.isEmpty ? "(the whole configuration)" : path)
    }
  }
}
