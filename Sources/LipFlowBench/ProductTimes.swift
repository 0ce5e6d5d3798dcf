import FlowCore
import Foundation
import Harness

extension TrainingStepCases {
  /// Runs `trainingCase` again with its matrix products timed by shape (``ProductTimer``) and
  /// prints, per step, the products' time and rate against the whole step's, and for the shapes
  /// that take most of it their rate inside the step against the same product alone (warm A and
  /// B, a fresh C, `CoreBenchmarks.gemmRate`) with the same threads and library. Lines
  /// `<figure>_products_ms` and `<figure>_other_ms` (everything but the products).
  ///
  /// A product alone finds its operands in cache; inside a step they, and the lines of C, often
  /// come from memory or from the other core (README, Speed, 2026-12-06: the largest products of
  /// a two-thread toy i-DenseNet step ran at 0.57-0.92 of their rate alone).
  func reportProductTimes(of trainingCase: TrainingStepCase, figure: String) {
    let timer = ProductTimer()
    let measurement = measure(trainingCase, productTimer: timer)
    let steps = Double(measurement.samples.count)
    let stepMilliseconds = 1e3 * measurement.samples.map(\.seconds).reduce(0, +) / steps
    let totals = timer.totalsByShape.sorted { $0.value.seconds > $1.value.seconds }
    let productMilliseconds = 1e3 * totals.map(\.value.seconds).reduce(0, +) / steps
    let operations = totals.map { Double($0.key.operations * $0.value.calls) }.reduce(0, +) / steps
    BenchReport.say(
      String(
        format: "products of %@ (%d steps, %d thread%@, mean per step): %.1f of %.1f ms (%.0f %%) at %.1f GFLOP/s, everything else %.1f ms",
        figure, measurement.samples.count, threads, threads == 1 ? "" : "s", productMilliseconds, stepMilliseconds,
        100 * productMilliseconds / stepMilliseconds, operations / productMilliseconds / 1e6, stepMilliseconds - productMilliseconds))
    BenchReport.report(figure + "_products_ms", productMilliseconds, "ms", "matrix products per step, timed one by one (ProductTimer)")
    BenchReport.report(figure + "_other_ms", stepMilliseconds - productMilliseconds, "ms", "everything but the matrix products, per step")
    BenchReport.say("  shape (m×n×k; A, B as stored N or transposed T)  calls/step  ms/step  GFLOP/s in the step  alone  step/alone")
    var (shownMilliseconds, shownShapes) = (0.0, 0)
    for (shape, total) in totals where shownMilliseconds < 0.9 * productMilliseconds {
      let milliseconds = 1e3 * total.seconds / steps
      let inStep = Double(shape.operations * total.calls) / total.seconds / 1e9
      let alone = Parallelism.withThreads(threads) {
        CoreBenchmarks(threads: threads).gemmRate(
          m: shape.m, n: shape.n, k: shape.k, transposeA: shape.transposeA, transposeB: shape.transposeB, backend: trainingCase.run.training.gemm)
      }
      let name = shape.description.padding(toLength: 48, withPad: " ", startingAt: 0)
      BenchReport.say(
        "  " + name
          + String(format: "%10.1f %8.2f %20.1f %6.1f %11.2f", Double(total.calls) / steps, milliseconds, inStep, alone, inStep / alone))
      shownMilliseconds += milliseconds
      shownShapes += 1
    }
    BenchReport.say(
      String(format: "  and %d other shapes: %.2f ms per step", totals.count - shownShapes, productMilliseconds - shownMilliseconds))
  }
}
