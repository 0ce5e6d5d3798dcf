import Synchronization

/// Counts the floating-point operations the matrix-product kernels execute: 2·m·n·k for every
/// product C = α·op(A)·op(B) + β·C (a fused multiply-add is two operations), on either backend,
/// including the products convolutions are made of. Benchmarks bind a counter around a training
/// step and divide by its time, so an achieved rate is the work actually done (Russian-roulette
/// terms, power iterations, evaluation passes all included), never an estimate.
///
/// A task-local value, as ``Parallelism/threadCount`` is: the products are issued by the task
/// that runs the step (kernels split them among worker threads afterwards), so binding it around
/// the step sees every one. Without a counter bound, nothing is counted and nothing is paid but
/// one task-local read per product.
public final class FlopCounter: Sendable {
  private let total = Atomic<Int>(0)

  /// A counter at zero.
  public init() {}

  /// Operations counted so far.
  public var operations: Int { total.load(ordering: .relaxed) }

  /// Adds `count` operations.
  public func add(_ count: Int) {
    total.add(count, ordering: .relaxed)
  }

  /// The counter the kernels add to, if any.
  @TaskLocal public static var current: FlopCounter?

  /// Runs `body` with a fresh counter bound; returns its result and the operations it executed.
  public static func counting<Result>(_ body: () throws -> Result) rethrows -> (result: Result, operations: Int) {
    let counter = FlopCounter()
    let result = try $current.withValue(counter) { try body() }
    return (result, counter.operations)
  }
}
