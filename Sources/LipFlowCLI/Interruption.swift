import Foundation

/// SIGINT / SIGTERM turn into a request to stop after the current iteration (with a checkpoint);
/// the counter is the only process-wide state the command keeps, as signal handlers allow
/// nothing else. In a parent (not a worker) a second SIGINT (Ctrl-C) exits at once with status 130.
enum Interruption {
  nonisolated(unsafe) static var requested: sig_atomic_t = 0
  nonisolated(unsafe) static var exitsOnSecondSignal: sig_atomic_t = 1

  /// How a second signal is treated.
  enum SecondSignal {
    /// Exit at once (the command the user started).
    case exits
    /// Counted like the first (a worker: the terminal's signal and the parent's forwarded one
    /// both arrive, and the run must still checkpoint).
    case isIgnored
  }

  /// Installs the handlers, and unblocks both signals: a launcher (a test runner, a job
  /// scheduler, a Python `subprocess`) may start this process with them blocked, and a blocked
  /// signal would never reach the handler.
  static func install(secondSignal: SecondSignal) {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    exitsOnSecondSignal = secondSignal == .exits ? 1 : 0
    let interrupt: @convention(c) (Int32) -> Void = { _ in
      if Interruption.requested != 0 && Interruption.exitsOnSecondSignal != 0 { _exit(130) }
      Interruption.requested = 1
    }
    // SIGTERM comes from schedulers, often twice (the job's processes and a forwarding batch
    // shell): it always asks for a checkpoint, never an immediate exit.
    let terminate: @convention(c) (Int32) -> Void = { _ in Interruption.requested = 1 }
    signal(SIGINT, interrupt)
    signal(SIGTERM, terminate)
  }

  /// Whether a stop was asked for.
  static var isRequested: Bool { requested != 0 }
}
