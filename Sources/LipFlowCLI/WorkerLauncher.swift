import Foundation
import Harness

/// Trains runs in up to `jobs` child processes (`lipflow worker`), one run each, handing each
/// its ``RunOrder`` on standard input. On SIGINT/SIGTERM it forwards SIGINT to its workers and
/// waits for them to checkpoint; a worker killed by a signal gets its manifest marked as such.
struct WorkerLauncher {
  /// The `lipflow` executable the workers run.
  let executable: URL
  /// Processes at once.
  let jobs: Int
  /// Threads per worker.
  let threads: Int
  /// Workers print plain lines (or nothing).
  let progress: ProgressStyle

  /// Runs every order; returns each run's outcome by identifier, and tells `finished` of each
  /// as its worker ends.
  func train(_ orders: [RunOrder], finished runFinished: (String, RunOutcome) -> Void = { _, _ in }) throws -> [String: RunOutcome] {
    var queue = orders
    var active: [(order: RunOrder, process: Process)] = []
    var outcomes: [String: RunOutcome] = [:]
    let finished = DispatchSemaphore(value: 0)
    var forwarded = false
    var launched = 0
    while !queue.isEmpty || !active.isEmpty {
      if Interruption.isRequested && !forwarded {
        for (_, process) in active where process.isRunning { kill(process.processIdentifier, SIGINT) }
        forwarded = true
        queue.removeAll()
      }
      while active.count < jobs, !queue.isEmpty, !Interruption.isRequested {
        let order = queue.removeFirst()
        launched += 1
        active.append((order, try start(order, position: "\(launched)/\(orders.count)", finished: finished)))
        say("run: worker \(launched)/\(orders.count) started for \(order.run)")
      }
      _ = finished.wait(timeout: .now() + 1)
      for (order, process) in active where !process.isRunning {
        let outcome = outcome(of: process, order: order)
        outcomes[order.run] = outcome
        runFinished(order.run, outcome)
      }
      active.removeAll { !$0.process.isRunning }
    }
    return outcomes
  }

  func start(_ order: RunOrder, position: String, finished: DispatchSemaphore) throws -> Process {
    let process = Process()
    process.executableURL = executable
    process.arguments = [
      "worker", "--threads", String(threads), "--progress", progress == .none ? "none" : "lines", "--parent", String(getpid()),
      "--position", position,
    ]
    let input = Pipe()
    process.standardInput = input
    process.terminationHandler = { _ in finished.signal() }
    do { try process.run() } catch {
      throw HarnessError.io(path: executable.path, reason: "cannot start a worker (\(FileOperations.reason(for: error)))")
    }
    try input.fileHandleForWriting.write(contentsOf: order.encoded())
    try input.fileHandleForWriting.close()
    return process
  }

  /// The outcome of a finished worker; one killed by a signal is recorded in its run's manifest.
  func outcome(of process: Process, order: RunOrder) -> RunOutcome {
    guard process.terminationReason == .uncaughtSignal else { return RunOutcome(workerStatus: process.terminationStatus) }
    let signal = process.terminationStatus
    let name = String(cString: strsignal(signal))
    let reason = "worker killed by signal \(signal) (\(name)); run again to resume from the last checkpoint"
    WorkerLauncher.recordKilled(directory: order.directory, reason: reason)
    printError("error: \(order.run): \(reason)")
    return .failed(reason)
  }

  /// Marks a run that was left `running` by a killed worker as failed with `reason` (taking the
  /// run's lock first, so a run some other process has taken over is left alone).
  static func recordKilled(directory: String, reason: String) {
    guard case .success(let lock)? = try? RunLock.acquire(directory: directory) else { return }
    withExtendedLifetime(lock) {
      guard var manifest = try? RunManifest.read(directory: directory), manifest.status == .running else { return }
      manifest.status = .failed
      manifest.error = reason + " (after iteration \(manifest.iterationsCompleted))"
      manifest.ended = Provenance.now
      try? manifest.write(directory: directory)
    }
  }
}
