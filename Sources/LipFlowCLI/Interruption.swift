import Foundation
import Synchronization

/// SIGINT / SIGTERM turn into a request to stop after the current iteration (with a checkpoint);
/// the two lock-free atomics are the only process-wide state the command keeps, as signal
/// handlers allow nothing else (a lock-free atomic is async-signal-safe). In a parent (not a worker) a second SIGINT (Ctrl-C) exits at once with status 130.
enum Interruption {
  /// Signals received so far.
  static let signalCount = Atomic<Int>(0)
  /// Whether a second SIGINT exits at once (a ``SecondSignal`` as the handler can read it).
  static let exitsOnSecondSignal = Atomic<Bool>(true)

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
    exitsOnSecondSignal.store(secondSignal == .exits, ordering: .sequentiallyConsistent)
    let interrupt: @convention(c) (Int32) -> Void = { _ in
      let earlier = Interruption.signalCount.add(1, ordering: .sequentiallyConsistent).oldValue
      if earlier > 0 && Interruption.exitsOnSecondSignal.load(ordering: .sequentiallyConsistent) { _exit(130) }
    }
    // SIGTERM comes from schedulers, often twice (the job's processes and a forwarding batch
    // shell): it always asks for a checkpoint, never an immediate exit.
    let terminate: @convention(c) (Int32) -> Void = { _ in
      Interruption.signalCount.add(1, ordering: .sequentiallyConsistent)
    }
    signal(SIGINT, interrupt)
    signal(SIGTERM, terminate)
  }

  /// Whether a stop was asked for.
  static var isRequested: Bool { signalCount.load(ordering: .sequentiallyConsistent) > 0 }
}
