import FlowCore
import Flows
import Foundation

/// Timed training iterations of one run, each with the floating-point work its matrix products
/// executed (``FlopCounter``): the step of a ``TrainingSession`` set up as training sets it up
/// (model, optimizer, average and streams from the run's seed), in memory, nothing written, image
/// runs on random pixels. The basis of the estimates printed before a sweep and of
/// `lipflow-bench`'s rates.
public struct StepMeasurement: Sendable {
  /// One timed iteration.
  public struct Sample: Sendable {
    /// Wall seconds of the iteration.
    public let seconds: Double
    /// Operations its matrix products and convolutions executed (2 per multiply-add).
    public let operations: Int

    /// Achieved rate in GFLOP/s.
    public var gigaflopsPerSecond: Double { Double(operations) / seconds / 1e9 }
  }

  /// The timed iterations, in the order they ran (warm-ups excluded).
  public let samples: [Sample]

  /// Times `repetitions` iterations of `run` after `warmups` untimed ones, with `threads` threads
  /// and the run's matrix-product backend (`training.gemm`). With `productTimer`, the products of
  /// the timed iterations are timed by shape too (``ProductTimer``).
  public static func measure(
    _ run: RunSpec, threads: Int, warmups: Int, repetitions: Int, productTimer: ProductTimer? = nil
  ) -> StepMeasurement {
    precondition(repetitions >= 1, "need at least one timed iteration")
    return Parallelism.withThreads(threads) {
      Gemm.withBackend(run.training.gemm) { timed(run, warmups: warmups, repetitions: repetitions, productTimer: productTimer) }
    }
  }

  /// ``measure(_:threads:warmups:repetitions:productTimer:)`` inside its thread and backend scope.
  static func timed(_ run: RunSpec, warmups: Int, repetitions: Int, productTimer: ProductTimer?) -> StepMeasurement {
    guard let session = try? TrainingSession(run: run, task: TrainingData.timing(run), directory: "", specHash: "", elapsedBefore: 0) else {
      preconditionFailure("\(run.identifier): its model has two layers of one name")
    }
    var samples: [Sample] = []
    for iteration in 0..<(warmups + repetitions) {
      let start = Date()
      let counted = ProductTimer.$current.withValue(iteration >= warmups ? productTimer : nil) { FlopCounter.counting { session.step() } }
      if iteration >= warmups { samples.append(Sample(seconds: Date().timeIntervalSince(start), operations: counted.operations)) }
    }
    return StepMeasurement(samples: samples)
  }

  /// The median of `values` (the upper one of an even count).
  static func median(_ values: [Double]) -> Double {
    values.sorted()[values.count / 2]
  }

  /// Median seconds per iteration.
  public var medianSeconds: Double { StepMeasurement.median(samples.map(\.seconds)) }
  /// Median operations per iteration (Russian roulette makes the work vary between iterations).
  public var medianOperations: Double { StepMeasurement.median(samples.map { Double($0.operations) }) }
  /// Median, least and greatest achieved rate in GFLOP/s.
  public var gigaflopsPerSecond: (median: Double, minimum: Double, maximum: Double) {
    let rates = samples.map(\.gigaflopsPerSecond)
    return (StepMeasurement.median(rates), rates.min() ?? .nan, rates.max() ?? .nan)
  }
}
