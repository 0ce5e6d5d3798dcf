/// Problems of the harness outside the spec: files, checkpoints, runs.
public enum HarnessError: Error, CustomStringConvertible, Equatable {
  /// Reading or writing `path` failed.
  case io(path: String, reason: String)
  /// A checkpoint that cannot be used.
  case corruptCheckpoint(path: String, reason: String)
  /// A checkpoint written in format `found` (the text after `LIPFLOW-CHECKPOINT-`) by another
  /// LipFlow version; this one reads format `reads` only.
  case checkpointFormat(path: String, found: String, reads: Int)
  /// A run directory holding a run of a different configuration.
  case runDirectoryConflict(path: String, reason: String)
  /// A weights or inputs file (safetensors) that cannot be read, or whose tensors do not fit the
  /// model; the reason names the tensor.
  case invalidWeights(path: String, reason: String)

  /// One line naming the file and what is wrong.
  public var description: String {
    switch self {
    case .io(let path, let reason): return "\(path): \(reason)"
    case .corruptCheckpoint(let path, let reason): return "\(path): corrupt checkpoint: \(reason)"
    case .checkpointFormat(let path, let found, let reads):
      return "\(path): checkpoint format \(found), this lipflow reads format \(reads); delete it or finish the run with the lipflow that wrote it"
    case .runDirectoryConflict(let path, let reason): return "\(path): \(reason)"
    case .invalidWeights(let path, let reason): return "\(path): \(reason)"
    }
  }
}
