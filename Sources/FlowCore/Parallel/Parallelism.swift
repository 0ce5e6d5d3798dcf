/// How many threads the kernels of this package may use.
///
/// Every kernel here splits work only over independent outputs (rows of a matrix product,
/// chunks of an elementwise map, output columns of a reduction), never over a sum, so the
/// numbers do not depend on the thread count; products routed to OpenBLAS too, since each is one
/// single-threaded OpenBLAS call (``GemmBackend/openBLAS``).
/// The count is bound by the caller for a scope (an executable at start-up, a test around its
/// body); results do not depend on it.
public enum Parallelism {
  /// The number of worker threads kernels may use (at least 1; 1 by default).
  ///
  /// A task-local value: bind it around a computation with
  /// `Parallelism.$threadCount.withValue(2) { … }`. Work dispatched to worker threads sees the
  /// default of 1, so kernels never nest parallel loops. Threads come from a persistent pool
  /// (`WorkerPool`), not from Dispatch.
  @TaskLocal public static var threadCount: Int = 1

  /// The least number of elements worth splitting between threads. With the persistent pool a
  /// split costs a few microseconds, which 8K elements of elementwise work (about 2-3 µs) pay for:
  /// on the toy i-DenseNet (weight-sized tensors of 8-16K elements) 8K gave steps about 7 % shorter
  /// than 16K at two threads, and 64K longer (measured interleaved, 2026-12-03).
  public static let minimumParallelElements = 1 << 13

  /// Runs `body` with `count` threads available to the kernels.
  public static func withThreads<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
    precondition(count >= 1, "Thread count must be at least 1, got \(count)")
    return try $threadCount.withValue(count) { try body() }
  }

  /// Runs `body` over `0..<count` split into at most ``threadCount`` contiguous chunks whose
  /// bounds are multiples of `alignment`; runs inline when `count < minimumParallelCount`.
  public static func forEachChunk(
    count: Int, minimumParallelCount: Int = minimumParallelElements, alignment: Int = 8,
    _ body: (Range<Int>) -> Void
  ) {
    let threads = threadCount
    if threads <= 1 || count < minimumParallelCount {
      if count > 0 { body(0..<count) }
      return
    }
    let chunks = threads
    let perChunk = ((count + chunks - 1) / chunks + alignment - 1) / alignment * alignment
    WorkerPool.shared.run(taskCount: chunks, participants: threads) { chunk in
      let start = chunk * perChunk
      let end = Swift.min(count, start + perChunk)
      if start < end { body(start..<end) }
    }
  }

  /// Runs `body(task)` for every task in `0..<count`, each task whole on one thread: the tasks
  /// are split into at most ``threadCount`` contiguous groups that run at once. For independent
  /// pieces of work each too small to split inside (power iteration of every layer of a toy
  /// model: 128×1 products whose halves cost less than the hand-off). Inside, kernels see one
  /// thread and the caller's ``Gemm/backend``, ``FlopCounter/current`` and
  /// ``ProductTimer/current``, so every task computes exactly what it computes when the tasks run
  /// one after the other, and its products are counted and timed. Tasks must not share mutable
  /// state.
  public static func forEachIndependentTask(count: Int, _ body: (Int) -> Void) {
    let (backend, counter, timer) = (Gemm.backend, FlopCounter.current, ProductTimer.current)
    forEachChunk(count: count, minimumParallelCount: 2, alignment: 1) { tasks in
      withThreads(1) {
        Gemm.$backend.withValue(backend) {
          FlopCounter.$current.withValue(counter) {
            ProductTimer.$current.withValue(timer) {
              for task in tasks { body(task) }
            }
          }
        }
      }
    }
  }

  /// Runs `body` over chunks of `0..<rows`, each row holding `width` elements of work, in
  /// parallel once the rows hold at least ``minimumParallelElements`` elements (row-wise kernels:
  /// copies, concatenations, per-row sums, im2col, fixed sum blocks).
  @inline(__always)
  public static func forEachRowChunk(rows: Int, width: Int, _ body: (Range<Int>) -> Void) {
    forEachChunk(count: rows, minimumParallelCount: Swift.max(1, minimumParallelElements / Swift.max(width, 1)), alignment: 1, body)
  }
}
