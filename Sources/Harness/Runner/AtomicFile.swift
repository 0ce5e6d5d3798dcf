import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file write that is all or nothing: the bytes go to a temporary file in the same directory,
/// are flushed to disk, and replace the target with one `rename`. A crash or `kill -9` at any
/// point leaves either the old file or the new one, never a mixture.
public enum AtomicFile {
  /// Writes `data` to `path` atomically, creating parent directories as needed.
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    try FileOperations.createDirectory(directory)
    let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())"
    try writeDurably(data, to: temporary, target: path)
    guard rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw HarnessError.io(path: path, reason: reason)
    }
    syncDirectory(directory)
  }

  /// Writes `data` to a new file at `temporary` and flushes it to disk. Errors name `temporary`
  /// when it cannot be created, else `target` (and the temporary file is removed).
  private static func writeDurably(_ data: Data, to temporary: String, target: String) throws {
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { throw HarnessError.io(path: temporary, reason: String(cString: strerror(errno))) }
    var failure = writeAll(data, to: descriptor)
    if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    close(descriptor)
    if let failure {
      unlink(temporary)
      throw HarnessError.io(path: target, reason: failure)
    }
  }

  /// Writes all of `data` to `descriptor`, retrying interrupted writes; the reason of the first
  /// failed write, nil when all succeed.
  private static func writeAll(_ data: Data, to descriptor: Int32) -> String? {
    data.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return String(cString: strerror(errno))
        }
        offset += written
      }
      return nil
    }
  }

  /// Flushes `directory` (so that a rename in it is durable), when it can be opened.
  private static func syncDirectory(_ directory: String) {
    let directoryDescriptor = open(directory, O_RDONLY)
    if directoryDescriptor >= 0 {
      fsync(directoryDescriptor)
      close(directoryDescriptor)
    }
  }

  /// Writes UTF-8 text atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }
}
