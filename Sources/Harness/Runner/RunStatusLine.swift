import Foundation

/// One line on where a run stands, read from its directory alone (so it is the same for local and
/// cluster runs): pending, running (host, iteration, last loss), completed (value), failed
/// (reason), interrupted (iteration), stopped without a record (a killed process), stale or
/// unreadable.
public enum RunStatusLine {
  /// The line for `run` in `directory` (without the run's name).
  public static func describe(_ run: RunSpec, directory: String) -> String {
    let state = RunDirectoryState.inspect(run, directory: directory)
    switch state {
    case .new: return "pending (not started)"
    case .changed(let recorded, let now, _): return "stale: holds another configuration (spec hash \(recorded), now \(now))"
    case .unreadable(let reason): return "error: \(reason)"
    case .completed:
      guard let evaluation = try? RunEvaluation.read(directory: directory) else { return "completed (eval.json unreadable)" }
      return String(format: "completed, test NLL %.4f ± %.4f %@", evaluation.testNLL, evaluation.testStandardError, evaluation.unit)
    case .resumable:
      guard let manifest = try? RunManifest.read(directory: directory) else { return "error: manifest vanished" }
      return resumable(manifest, directory: directory)
    }
  }

  static func resumable(_ manifest: RunManifest, directory: String) -> String {
    let progress = "iteration \(manifest.iterationsCompleted)/\(manifest.iterations)"
    switch manifest.status {
    case .running:
      guard let holder = RunLock.isHeld(directory: directory) else { return "stopped at \(progress) without a record (process killed?); resumable" }
      let loss = MetricRow.read(path: directory + "/metrics.csv").last.map { String(format: ", loss %.4f", $0.loss) } ?? ""
      return "running (\(holder.text.isEmpty ? "lock held" : holder.text)), \(progress)\(loss)"
    case .interrupted: return "interrupted at \(progress); resumable"
    case .failed: return "failed at \(progress): \(manifest.error ?? "unknown reason")"
    case .notRun: return "not run: \(manifest.error ?? "unsupported")"
    case .completed: return "completed"
    }
  }
}
