import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Copying, moving, creating and removing files and folders with failures reported as one line,
/// `path: what is wrong` (``HarnessError/io(path:reason:)``, the reason being the system's text for
/// the error, such as "Permission denied" or "No space left on device"), instead of Foundation's
/// multi-line `NSError` descriptions. Symbolic links are copied, moved and removed as links, never
/// followed.
public enum FileOperations {
  /// Creates the folder `path` and any missing parent folders; an existing folder is fine.
  public static func createDirectory(_ path: String) throws(HarnessError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
      prefix += (prefix.isEmpty || prefix == "/" ? "" : "/") + component
      if mkdir(prefix, 0o755) == 0 { continue }
      let code = errno
      guard code == EEXIST, kind(of: prefix) == .directory else {
        throw HarnessError.io(path: code == EEXIST ? prefix : path, reason: code == EEXIST ? "exists and is not a folder" : message(code))
      }
    }
  }

  /// Copies the file, link or folder (with everything in it) at `source` to `target`, which must
  /// not exist yet.
  public static func copy(_ source: String, to target: String) throws(HarnessError) {
    switch kind(of: source) {
    case .missing(let code): throw HarnessError.io(path: source, reason: message(code))
    case .directory:
      guard mkdir(target, 0o755) == 0 else { throw HarnessError.io(path: target, reason: message(errno)) }
      for entry in try contents(ofDirectory: source) { try copy(source + "/" + entry, to: target + "/" + entry) }
    case .link: try copyLink(source, to: target)
    case .file: try copyFile(source, to: target)
    case .special: throw HarnessError.io(path: source, reason: "not a regular file, folder or link; not copied")
    }
  }

  /// Moves `source` to `target` with one `rename` (atomic within a file system), or by copying and
  /// removing it across file systems. An existing empty folder or file at `target` is replaced, as
  /// `rename(2)` does.
  public static func move(_ source: String, to target: String) throws(HarnessError) {
    if rename(source, target) == 0 { return }
    let code = errno
    guard code == EXDEV else {
      if case .missing(let sourceCode) = kind(of: source) { throw HarnessError.io(path: source, reason: message(sourceCode)) }
      throw HarnessError.io(path: target, reason: message(code))
    }
    try copy(source, to: target)
    try remove(source)
  }

  /// Removes the file, link or folder (with everything in it) at `path`; a missing path is fine.
  public static func remove(_ path: String) throws(HarnessError) {
    switch kind(of: path) {
    case .missing(let code) where code == ENOENT: return
    case .missing(let code): throw HarnessError.io(path: path, reason: message(code))
    case .directory:
      for entry in try contents(ofDirectory: path) { try remove(path + "/" + entry) }
      guard rmdir(path) == 0 else { throw HarnessError.io(path: path, reason: message(errno)) }
    case .link, .file, .special:
      guard unlink(path) == 0 else { throw HarnessError.io(path: path, reason: message(errno)) }
    }
  }

  /// The names in the folder `path`, without `.` and `..`, sorted.
  public static func contents(ofDirectory path: String) throws(HarnessError) -> [String] {
    guard let directory = opendir(path) else { throw HarnessError.io(path: path, reason: message(errno)) }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
        pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// What is at a path, not following a final symbolic link.
  public enum Kind: Equatable, Sendable {
    /// Nothing, or not reachable: the `errno` of `lstat`.
    case missing(Int32)
    /// A folder.
    case directory
    /// A symbolic link.
    case link
    /// A regular file.
    case file
    /// A device, pipe or socket.
    case special
  }

  /// What is at `path` (`lstat`).
  public static func kind(of path: String) -> Kind {
    var information = stat()
    guard lstat(path, &information) == 0 else { return .missing(errno) }
    switch information.st_mode & S_IFMT {
    case S_IFDIR: return .directory
    case S_IFLNK: return .link
    case S_IFREG: return .file
    default: return .special
    }
  }

  /// The one-line reason for a failed Foundation file operation: the text of the underlying POSIX
  /// error when there is one.
  public static func reason(for error: any Error) -> String {
    if let error = error as? HarnessError, case .io(_, let reason) = error { return reason }
    let foundation = error as NSError
    if foundation.domain == NSPOSIXErrorDomain { return message(Int32(foundation.code)) }
    if let underlying = foundation.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return message(Int32(underlying.code))
    }
    switch CocoaError.Code(rawValue: foundation.code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: return message(ENOENT)
    case .fileReadNoPermission, .fileWriteNoPermission: return message(EACCES)
    case .fileWriteFileExists: return message(EEXIST)
    case .fileWriteOutOfSpace: return message(ENOSPC)
    case .fileWriteVolumeReadOnly: return message(EROFS)
    default: return "file operation failed (\(foundation.domain) error \(foundation.code))"
    }
  }

  /// The system's text for `errno` value `code`.
  public static func message(_ code: Int32) -> String { String(cString: strerror(code)) }

  static func copyLink(_ source: String, to target: String) throws(HarnessError) {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink(source, &buffer, buffer.count - 1)
    guard length >= 0 else { throw HarnessError.io(path: source, reason: message(errno)) }
    buffer[length] = 0
    guard symlink(buffer, target) == 0 else { throw HarnessError.io(path: target, reason: message(errno)) }
  }

  static func copyFile(_ source: String, to target: String) throws(HarnessError) {
    let input = open(source, O_RDONLY)
    guard input >= 0 else { throw HarnessError.io(path: source, reason: message(errno)) }
    defer { close(input) }
    var information = stat()
    let mode = fstat(input, &information) == 0 ? information.st_mode & 0o777 : 0o644
    let output = open(target, O_WRONLY | O_CREAT | O_EXCL, mode)
    guard output >= 0 else { throw HarnessError.io(path: target, reason: message(errno)) }
    var failure: HarnessError?
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while failure == nil {
      let count = read(input, &buffer, buffer.count)
      if count == 0 { break }
      if count < 0 {
        if errno != EINTR { failure = HarnessError.io(path: source, reason: message(errno)) }
        continue
      }
      failure = writeAll(buffer[..<count], to: output, path: target)
    }
    if close(output) != 0, failure == nil { failure = HarnessError.io(path: target, reason: message(errno)) }
    if let failure {
      unlink(target)
      throw failure
    }
  }

  static func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32, path: String) -> HarnessError? {
    var offset = bytes.startIndex
    while offset < bytes.endIndex {
      let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
      if written < 0 {
        if errno == EINTR { continue }
        return HarnessError.io(path: path, reason: message(errno))
      }
      offset += written
    }
    return nil
  }
}
