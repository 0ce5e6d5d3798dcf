import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Checks made on a runs directory before any run starts, so that a read-only or full disk is
/// reported once, up front, instead of as a failure in the middle of a sweep.
public enum RunsDirectory {
  /// The free bytes of the file system holding `path` (statvfs), nil when unknown.
  public static func availableBytes(_ path: String) -> UInt64? {
    var status = statvfs()
    guard statvfs(path, &status) == 0 else { return nil }
    return UInt64(status.f_bavail) * UInt64(status.f_frsize)
  }

  /// Disk space a run needs: two checkpoints of its parameters, Adam moments and average, plus
  /// 1 MB of metrics, figures and manifests.
  public static func bytesNeeded(by run: RunSpec) -> UInt64 {
    let copies = 3 + (run.training.averageDecay == nil ? 0 : 1)
    return UInt64(2 * copies * 4 * run.parameterCount + 1_000_000)
  }

  /// Creates `path`, writes and removes a probe file, and checks that `needed` bytes are free.
  /// - Throws: ``HarnessError/io(path:reason:)`` naming the directory and the problem.
  public static func preflight(_ path: String, needed: UInt64, available: (String) -> UInt64? = availableBytes) throws {
    do { try FileOperations.createDirectory(path) } catch {
      let detail = if case .io(let failing, let reason) = error, failing == path { reason } else { "\(error)" }
      throw HarnessError.io(path: path, reason: "cannot create the runs directory (\(detail))")
    }
    let probe = path + "/.lipflow-write-probe"
    do { try AtomicFile.write("probe\n", to: probe) } catch {
      throw HarnessError.io(path: path, reason: "the runs directory is not writable (\(error))")
    }
    unlink(probe)
    if let free = available(path), free < needed {
      throw HarnessError.io(path: path, reason: "only \(megabytes(free)) free; the runs to train need about \(megabytes(needed)) (checkpoints)")
    }
  }

  static func megabytes(_ bytes: UInt64) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
}
