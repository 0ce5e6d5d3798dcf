import Foundation

/// The two newest checkpoints of a run directory: `checkpoint.bin` and the one before it,
/// `checkpoint.previous.bin`, used when the newest turns out torn, corrupt or unfit.
public struct CheckpointStore {
  /// The run directory.
  public let directory: String

  /// Creates the store.
  public init(directory: String) {
    self.directory = directory
  }

  var latestPath: String { directory + "/checkpoint.bin" }
  var previousPath: String { directory + "/checkpoint.previous.bin" }

  /// Saves atomically, keeping the current newest as the previous one.
  public func save(_ state: TrainingState) throws {
    let data = try state.encoded()
    if FileManager.default.fileExists(atPath: latestPath) {
      _ = try? FileManager.default.removeItem(atPath: previousPath)
      guard rename(latestPath, previousPath) == 0 else {
        throw HarnessError.io(path: previousPath, reason: String(cString: strerror(errno)))
      }
    }
    try AtomicFile.write(data, to: latestPath)
  }

  /// The newest readable checkpoint, nil when there is none; `warn` hears about files skipped.
  public func loadNewest(warn: (String) -> Void) -> TrainingState? {
    loadNewest(accepting: { _ in }, warn: warn)
  }

  /// The newest checkpoint that reads back intact and that `accept` takes without throwing (it
  /// checks the owner and restores the state), nil when there is none; `warn` hears about every
  /// file skipped and why. `accept` must leave the model untouched when it throws.
  public func loadNewest(accepting accept: (TrainingState) throws -> Void, warn: (String) -> Void) -> TrainingState? {
    for path in [latestPath, previousPath] {
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      do {
        let state = try TrainingState(decoding: data, path: path)
        do { try accept(state) } catch { throw HarnessError.corruptCheckpoint(path: path, reason: "\(error)") }
        return state
      } catch {
        warn("\(error); trying an older checkpoint")
      }
    }
    return nil
  }
}
