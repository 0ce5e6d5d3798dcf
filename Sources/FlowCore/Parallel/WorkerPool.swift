import Dispatch
import Foundation
import Synchronization

/// Persistent worker threads for the kernels' parallel loops.
///
/// Dispatch's `concurrentPerform` wakes a sleeping worker for each call, which costs about 30 µs
/// on the reference VM: more than a whole 500×128×128 product takes. Here each worker owns a
/// mailbox written only by the caller while the worker is idle; after a job a worker spins for a
/// while (so the back-to-back kernels of a training step find it awake), then sleeps on a
/// semaphore. Task `i` of a job always runs on participant `i % participants` (the caller is
/// participant 0), a static assignment, so there is no shared task counter to race on.
final class WorkerPool: @unchecked Sendable {
  /// The pool used by ``Parallelism``; workers are started on first use.
  static let shared = WorkerPool(workerCount: max(ProcessInfo.processInfo.activeProcessorCount - 1, 1))

  private final class Worker: @unchecked Sendable {
    let posted = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    let sleeping = Atomic<Bool>(false)
    let wakeUp = DispatchSemaphore(value: 0)
    var job: ((Int) -> Void)? = nil
    var participant = 0
    var participants = 1
    var taskCount = 0
  }

  private let workers: [Worker]
  private let busy = Mutex<Bool>(false)
  /// How many polls of its mailbox a worker makes before it sleeps (about 0.2 ms).
  private static let spinPolls = 200_000

  init(workerCount: Int) {
    workers = (0..<workerCount).map { _ in Worker() }
    for worker in workers {
      let thread = Thread { WorkerPool.loop(worker) }
      thread.name = "lipflow-worker"
      thread.stackSize = 1 << 22
      thread.start()
    }
  }

  private static func loop(_ worker: Worker) {
    var seen = 0
    while true {
      var polls = 0
      while worker.posted.load(ordering: .acquiring) == seen {
        polls += 1
        if polls >= spinPolls {
          worker.sleeping.store(true, ordering: .sequentiallyConsistent)
          if worker.posted.load(ordering: .sequentiallyConsistent) == seen {
            worker.wakeUp.wait()
          }
          worker.sleeping.store(false, ordering: .sequentiallyConsistent)
          polls = 0
        }
      }
      seen = worker.posted.load(ordering: .acquiring)
      if let job = worker.job {
        var task = worker.participant
        while task < worker.taskCount {
          job(task)
          task += worker.participants
        }
      }
      worker.finished.store(seen, ordering: .releasing)
    }
  }

  /// Runs `body(task)` for every task in `0..<taskCount` on `participants` threads (the caller
  /// and `participants − 1` workers) and returns when all have finished. Falls back to the
  /// caller alone when the pool is already running a job (a nested call).
  func run(taskCount: Int, participants requested: Int, _ body: (Int) -> Void) {
    let participants = min(requested, workers.count + 1, taskCount)
    let acquired = participants > 1 && busy.withLock { isBusy in
      if isBusy { return false }
      isBusy = true
      return true
    }
    guard acquired else {
      for task in 0..<taskCount { body(task) }
      return
    }
    defer { busy.withLock { $0 = false } }
    withoutActuallyEscaping(body) { body in
      let helpers = workers.prefix(participants - 1)
      for (index, worker) in helpers.enumerated() {
        worker.job = body
        worker.participant = index + 1
        worker.participants = participants
        worker.taskCount = taskCount
        let generation = worker.posted.load(ordering: .relaxed) + 1
        worker.posted.store(generation, ordering: .sequentiallyConsistent)
        if worker.sleeping.load(ordering: .sequentiallyConsistent) { worker.wakeUp.signal() }
      }
      var task = 0
      while task < taskCount {
        body(task)
        task += participants
      }
      for worker in helpers {
        let generation = worker.posted.load(ordering: .relaxed)
        while worker.finished.load(ordering: .acquiring) != generation {}
        worker.job = nil
      }
    }
  }
}
