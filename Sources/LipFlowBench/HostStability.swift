import FlowCore

/// Whether this host slows memory-touching work while leaving register-only arithmetic alone.
///
/// One thread alternates, round after round, a loop of register FMAs (no memory traffic) and one
/// 500×128·128×128 product of about the same length (operands in L2), timing each. A round is slow for a workload
/// when its rate is below 85 % of that workload's best round. If slow products coincide with fast
/// FMA loops, the host is taking memory bandwidth or cache from this core (another tenant on the
/// shared L3 or memory controller, or on a hyperthread sibling of the physical core), not CPU
/// time or frequency: exactly the case in which a best-of FMA peak stays put while the products
/// fall to two thirds of it.
struct HostStability {
  let rounds: Int

  struct Figures {
    var fmaMedianPercent: Double
    var gemmMedianPercent: Double
    var fmaSlowRoundsPercent: Double
    var gemmSlowRoundsPercent: Double
    /// Rounds whose product is slow while the FMA loop of the same round is at ≥ 95 % of its best.
    var gemmSlowAloneRoundsPercent: Double
  }

  func measure(benchmarks: CoreBenchmarks) -> Figures {
    let a = Tensor(repeating: 0.5, shape: [500, 128])
    let b = Tensor(repeating: 0.25, shape: [128, 128])
    // About as long as the product (≈ 0.15 ms), so that interruptions hit both equally often.
    let fmaIterations = 90_000
    var sink: Float = 0
    var fmaRates: [Double] = []
    var gemmRates: [Double] = []
    Parallelism.withThreads(1) {
      for round in 0..<(rounds + 20) {
        var start = BenchReport.seconds()
        sink += benchmarks.fmaLoop(iterations: fmaIterations)
        let fmaSeconds = BenchReport.seconds() - start
        start = BenchReport.seconds()
        _ = Tensor.matrixProduct(a, b, transposeA: .none, transposeB: .none, backend: .simd)
        let gemmSeconds = BenchReport.seconds() - start
        guard round >= 20 else { continue }
        fmaRates.append(CoreBenchmarks.fmaLoopOperations(iterations: fmaIterations) / fmaSeconds)
        gemmRates.append(2.0 * 500 * 128 * 128 / gemmSeconds)
      }
    }
    if sink == .infinity { BenchReport.say("\(sink)") }
    let (fmaBest, gemmBest) = (fmaRates.max() ?? 1, gemmRates.max() ?? 1)
    let fmaSlow = fmaRates.map { $0 < 0.85 * fmaBest }
    let gemmSlow = gemmRates.map { $0 < 0.85 * gemmBest }
    let gemmSlowAlone = zip(gemmSlow, fmaRates).filter { $0.0 && $0.1 >= 0.95 * fmaBest }.count
    let count = Double(rounds)
    return Figures(
      fmaMedianPercent: 100 * median(fmaRates) / fmaBest,
      gemmMedianPercent: 100 * median(gemmRates) / gemmBest,
      fmaSlowRoundsPercent: 100 * Double(fmaSlow.filter { $0 }.count) / count,
      gemmSlowRoundsPercent: 100 * Double(gemmSlow.filter { $0 }.count) / count,
      gemmSlowAloneRoundsPercent: 100 * Double(gemmSlowAlone) / count)
  }

  func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

  /// Prints the figures as `bench host_…` lines.
  func run(benchmarks: CoreBenchmarks) {
    let figures = measure(benchmarks: benchmarks)
    let note = "\(rounds) alternating rounds, one thread"
    BenchReport.report("host_fma_median_percent", figures.fmaMedianPercent, "%", "median FMA-loop round as a share of the best; \(note)")
    BenchReport.report("host_gemm_median_percent", figures.gemmMedianPercent, "%", "median 500x128x128 product round as a share of the best")
    BenchReport.report("host_fma_slow_rounds_percent", figures.fmaSlowRoundsPercent, "%", "rounds with the FMA loop below 85 % of its best")
    BenchReport.report("host_gemm_slow_rounds_percent", figures.gemmSlowRoundsPercent, "%", "rounds with the product below 85 % of its best")
    BenchReport.report(
      "host_gemm_slow_fma_fast_rounds_percent", figures.gemmSlowAloneRoundsPercent, "%",
      "slow product while the same round's FMA loop ran at >= 95 % of its best: memory, not CPU time, taken")
  }
}
