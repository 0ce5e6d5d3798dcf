/// Problems reading image data files.
public enum ImageDataError: Error, CustomStringConvertible, Equatable {
  /// A file or directory that is not there; `what` says what it should have held.
  case missing(path: String, what: String)
  /// A file that is there but cannot be used.
  case malformed(path: String, reason: String)

  /// One line naming the file and what is wrong.
  public var description: String {
    switch self {
    case .missing(let path, let what): return "\(path): not found (\(what))"
    case .malformed(let path, let reason): return "\(path): \(reason)"
    }
  }
}
