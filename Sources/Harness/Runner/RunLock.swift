import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The exclusive owner of a run directory: an advisory `flock` on `<run>/lock`, held for the life
/// of the process that trains the run and released by the kernel when that process ends, however
/// it ends (`kill -9` included). Another process that finds the lock held skips the run.
///
/// `flock` locks belong to an open file description, so two `RunLock`s of one directory conflict
/// even inside one process. On NFS, Linux maps `flock` to POSIX byte-range locks, which the
/// server arbitrates between hosts. The file's text (pid and host of the holder) is informational.
public final class RunLock {
  /// The run directory.
  public let directory: String
  let descriptor: Int32

  /// What is known of a lock someone else holds.
  public struct Holder: Error, Sendable, Equatable, CustomStringConvertible {
    /// The holder's own words (`pid 1234 on host`), empty if it wrote none yet.
    public var text: String
    /// `held by pid 1234 on host`.
    public var description: String { text.isEmpty ? "held by another process" : "held by " + text }
  }

  private init(directory: String, descriptor: Int32) {
    self.directory = directory
    self.descriptor = descriptor
  }

  deinit {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }

  /// The lock file of a run directory.
  public static func path(of directory: String) -> String { directory + "/lock" }

  /// Takes the lock of `directory` (created if needed) without waiting.
  /// - Returns: the lock, or the holder when another process (or another `RunLock`) has it.
  /// - Throws: ``HarnessError/io(path:reason:)`` when the directory or lock file cannot be made.
  public static func acquire(directory: String) throws -> Result<RunLock, Holder> {
    try FileOperations.createDirectory(directory)
    let path = RunLock.path(of: directory)
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw HarnessError.io(path: path, reason: String(cString: strerror(errno))) }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let reason = errno
      close(descriptor)
      guard reason == EWOULDBLOCK else { throw HarnessError.io(path: path, reason: "cannot lock: " + String(cString: strerror(reason))) }
      return .failure(Holder(text: holderText(path)))
    }
    let lock = RunLock(directory: directory, descriptor: descriptor)
    lock.record("pid \(getpid()) on \(ProcessInfo.processInfo.hostName)")
    return .success(lock)
  }

  /// Whether some process holds the lock of `directory` right now (a snapshot).
  public static func isHeld(directory: String) -> Holder? {
    let path = RunLock.path(of: directory)
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    guard flock(descriptor, LOCK_SH | LOCK_NB) != 0 else {
      flock(descriptor, LOCK_UN)
      return nil
    }
    return Holder(text: holderText(path))
  }

  func record(_ text: String) {
    ftruncate(descriptor, 0)
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBufferPointer { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
  }

  static func holderText(_ path: String) -> String {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
