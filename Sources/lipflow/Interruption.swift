import Foundation

/// SIGINT / SIGTERM turn into a request to stop after the current iteration (with a checkpoint);
/// the flag is the only process-wide state the command keeps, as signal handlers allow nothing else.
enum Interruption {
  nonisolated(unsafe) static var requested: sig_atomic_t = 0

  /// Installs the handlers.
  static func install() {
    signal(SIGINT) { _ in Interruption.requested = 1 }
    signal(SIGTERM) { _ in Interruption.requested = 1 }
  }

  /// Whether a stop was asked for.
  static var isRequested: Bool { requested != 0 }
}
