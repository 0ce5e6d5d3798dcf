import ArgumentParser
import FlowCore
import Foundation
import Harness

/// One timed training step of `make bench`: a run of ``TrainingStepCases/toySpec(gemm:)`` or
/// ``TrainingStepCases/imageSpec`` (its model name is the case's name) and the reference it is
/// compared with.
struct TrainingStepCase {
  /// The figure's name, also the model's name in the bench spec.
  let name: String
  /// The run timed: model, data, optimiser, clipping, EMA and power iteration as in training.
  let run: RunSpec
  /// The note printed after the figure.
  let note: String
  /// Timed steps of the medians (after one warm-up for image cases, two for toy cases).
  let repetitions: Int
  /// Image cases print images/s and the time of an MNIST epoch too.
  let isImageCase: Bool

  /// The name of its step-time figure: the case's name for toy cases (`toy_resflow_step`),
  /// with `_step` appended for image cases (`mnist_resflow_paper_step`).
  var figureName: String { isImageCase ? name + "_step" : name }
}

/// The training steps of `make bench`, timed by ``StepMeasurement``:
/// the same step as `lipflow run` (batch, loss, gradients, clipping, Adam at the scheduled rate,
/// concatenation schedule, power iteration, EMA), on fresh toy samples or random pixels.
struct TrainingStepCases {
  let threads: Int

  /// The toy models of Table 1 at the reference settings (batch 500, Adam 1e-3, 5 power
  /// iterations after each step, no clipping, no EMA): 10 blocks of 2-128-128-128-128-2 LipSwish
  /// perceptrons (coefficient 0.9), or dense branches of depth 4 and growth 90 with learnable
  /// concatenation (0.98) from the first step (and once with fixed concatenation, the i-DenseNet
  /// row of Table 1); Russian roulette (geometric 0.5, 2 exact terms) or
  /// exact 2×2 log-determinants, backpropagated or Neumann-series gradients.
  ///
  /// With `gemm: .openBLAS`, the Residual Flow and i-DenseNet cases again (`…_openblas`) with
  /// OpenBLAS computing every product (`training.gemm: openblas`): the library that runs faster
  /// differs between machines, and the ratio of the two lines says which it is on this one.
  static func toySpec(gemm: GemmBackend = .simd) -> String {
    let roulette = "{kind: russian_roulette, distribution: geometric, parameter: 0.5, exact_terms: 2, samples: 1}"
    let resflow = "family: resflow, blocks: 10, hidden: [128, 128, 128, 128]"
    let idensenet = "family: idensenet, blocks: 10, depth: 4, growth: 90, concatenation: {coefficient: 0.98, learnable: true, start: 0}"
    let fixedIDenseNet = "family: idensenet, blocks: 10, depth: 4, growth: 90, concatenation: {coefficient: 0.98, learnable: false}"
    let common = "activation: lipswish, coefficient: 0.9, power_iterations: {training: 5, evaluation: 200}"
    let allModels: [(name: String, architecture: String, estimator: String, gradient: String)] = [
      ("toy_resflow_step", resflow, roulette, "backpropagation"),
      ("toy_idensenet_step", idensenet, roulette, "backpropagation"),
      ("toy_idensenet_fixed_step", fixedIDenseNet, roulette, "backpropagation"),
      ("toy_resflow_step_exact2d", resflow, "{kind: exact}", "backpropagation"),
      ("toy_resflow_step_neumann", resflow, roulette, "neumann"),
      ("toy_idensenet_step_neumann", idensenet, roulette, "neumann"),
    ]
    let repeatedWithOpenBLAS: Set = ["toy_resflow_step", "toy_idensenet_step"]
    let models =
      gemm == .simd
      ? allModels
      : allModels.filter { repeatedWithOpenBLAS.contains($0.name) }.map { ($0.name + "_openblas", $0.architecture, $0.estimator, $0.gradient) }
    return """
      experiment: {name: bench-toy, description: toy training steps of lipflow-bench}
      seed: 7
      models:
      \(models.map { "  \($0.name): {\($0.architecture), \(common), estimator: \($0.estimator), gradient: \($0.gradient)}" }.joined(separator: "\n"))
      datasets:
        moons: {kind: toy, distribution: 2moons}
      training:
        iterations: 100
        batch_size: 500
        optimizer: {name: adam, learning_rate: 1.0e-3, betas: [0.9, 0.999], epsilon: 1.0e-8}
        warmup_iterations: 0
        gradient_clipping: none
        ema: none
        checkpoint_every: 100
        log_every: 100
        gemm: \(gemm.rawValue)
      evaluation: {every: 100, test_samples: 1000, final_test_samples: 1000, test_seed: 1}
      table: {rows: [\(models.map(\.name).joined(separator: ", "))], columns: [moons]}
      """
  }

  /// The MNIST models of Table 1 (3 scales × 4 blocks + 4 FC blocks, coefficient 0.98, Poisson(2)
  /// Russian roulette with 2 exact terms, Neumann gradients, power iteration to 1e-3) at the
  /// widths of the `paper` and `quick` profiles of experiments/table1.yaml; batch 64, clipping 1,
  /// EMA 0.999. The paper-width cases recompute their blocks in the backward pass, as the paper
  /// profile does; `mnist_resflow_paper_stored` keeps every graph, for the memory and time it saves.
  static var imageSpec: String {
    let fixed = "concatenation: {coefficient: 0.98, learnable: false}"
    let learnable = "concatenation: {coefficient: 0.98, learnable: true, start: 0}"
    let common =
      "blocks: 4, scales: 3, fc_blocks: 4, activation: lipswish, coefficient: 0.98, gradient: neumann, "
      + "estimator: {kind: russian_roulette, distribution: poisson, parameter: 2, exact_terms: 2, samples: 1}, "
      + "power_iterations: {training: {tolerance: 1.0e-3, maximum: 200}, evaluation: {tolerance: 1.0e-3, maximum: 200}}"
    let models: [(name: String, architecture: String)] = [
      ("mnist_resflow_paper", "family: resflow, hidden: [512, 512], fc_hidden: [128, 128], memory: recompute"),
      ("mnist_resflow_paper_stored", "family: resflow, hidden: [512, 512], fc_hidden: [128, 128], memory: store"),
      ("mnist_idensenet_paper", "family: idensenet, depth: 3, growth: 108, memory: recompute, \(fixed)"),
      ("mnist_idensenet_lc_paper", "family: idensenet, depth: 3, growth: 108, memory: recompute, \(learnable)"),
      ("mnist_resflow_quick", "family: resflow, hidden: [32, 32], fc_hidden: [128, 128]"),
      ("mnist_idensenet_quick", "family: idensenet, depth: 3, growth: 21, \(fixed)"),
      ("mnist_idensenet_lc_quick", "family: idensenet, depth: 3, growth: 21, \(learnable)"),
    ]
    return """
      experiment: {name: bench-images, description: MNIST training steps of lipflow-bench}
      seed: 11
      models:
      \(models.map { "  \($0.name): {\($0.architecture), \(common)}" }.joined(separator: "\n"))
      datasets:
        mnist: {kind: mnist, path: data/mnist, logit_alpha: 1.0e-6}
      training:
        iterations: 100
        batch_size: 64
        optimizer: {name: adam, learning_rate: 1.0e-3, betas: [0.9, 0.99], epsilon: 1.0e-8}
        warmup_iterations: 0
        gradient_clipping: 1.0
        ema: 0.999
        checkpoint_every: 100
        log_every: 100
      evaluation: {every: 100, test_samples: 100, final_test_samples: 100, test_seed: 1}
      table: {rows: [\(models.map(\.name).joined(separator: ", "))], columns: [mnist]}
      """
  }

  /// The toy cases, in the order they are printed.
  var toy: [TrainingStepCase] {
    let notes = [
      "toy_resflow_step": "Russian roulette, backprop; PyTorch reference 0.436 s, 1.5-1.8 GB",
      "toy_idensenet_step": "learnable concatenation from the first step; PyTorch reference 0.636 s",
      "toy_idensenet_fixed_step": "fixed concatenation (Table 1's i-DenseNet row); PyTorch reference 0.596 s",
      "toy_resflow_step_exact2d": "exact 2×2 log det in training",
      "toy_resflow_step_neumann": "Neumann gradient series",
      "toy_idensenet_step_neumann": "Neumann gradient series",
      "toy_resflow_step_openblas": "OpenBLAS products (each whole on one thread)",
      "toy_idensenet_step_openblas": "OpenBLAS products (each whole on one thread)",
    ]
    return [GemmBackend.simd, .openBLAS].flatMap { gemm in
      Self.cases(of: Self.toySpec(gemm: gemm), file: "<bench toy spec>") { run in
        TrainingStepCase(name: run.modelName, run: run, note: notes[run.modelName] ?? "", repetitions: 21, isImageCase: false)
      }
    }
  }

  /// The MNIST cases, in the order they are printed.
  var images: [TrainingStepCase] {
    let notes = [
      "mnist_resflow_paper": "hidden 512, 4.81M parameters, blocks recomputed",
      "mnist_resflow_paper_stored": "hidden 512, every graph kept",
      "mnist_idensenet_paper": "depth 3, growth 108, 4.81M, blocks recomputed",
      "mnist_idensenet_lc_paper": "learnable concatenation, blocks recomputed",
      "mnist_resflow_quick": "hidden 32, 0.94M parameters",
      "mnist_idensenet_quick": "growth 21, 0.95M",
      "mnist_idensenet_lc_quick": "learnable concatenation",
    ]
    return Self.cases(of: Self.imageSpec, file: "<bench image spec>") { run in
      TrainingStepCase(name: run.modelName, run: run, note: notes[run.modelName] ?? "", repetitions: 5, isImageCase: true)
    }
  }

  /// The runs of a bench spec, one case each, in table-row order. The specs are constants of this
  /// program, so an error in them is a programming error.
  static func cases(of spec: String, file: String, _ makeCase: (RunSpec) -> TrainingStepCase) -> [TrainingStepCase] {
    do {
      return try ExperimentPlan.parse(spec, file: file).runs.map(makeCase)
    } catch {
      fatalError("\(file): \(error)")
    }
  }

  /// The toy case called `name`.
  func toyCase(named name: String) throws -> TrainingStepCase {
    try Self.named(name, among: toy)
  }

  static func named(_ name: String, among cases: [TrainingStepCase]) throws -> TrainingStepCase {
    guard let found = cases.first(where: { $0.name == name }) else {
      BenchReport.say("unknown case \(name); known: \(cases.map(\.name).joined(separator: ", "))")
      throw ExitCode(2)
    }
    return found
  }

  /// Median seconds of one training step of `trainingCase` with ``threads`` threads.
  func secondsPerStep(_ trainingCase: TrainingStepCase, repetitions: Int? = nil) -> Double {
    measure(trainingCase, repetitions: repetitions).medianSeconds
  }

  /// Timed steps of `trainingCase` with ``threads`` threads (image cases after one warm-up, toy
  /// cases after two), with the work each executed.
  func measure(_ trainingCase: TrainingStepCase, repetitions: Int? = nil, productTimer: ProductTimer? = nil) -> StepMeasurement {
    StepMeasurement.measure(
      trainingCase.run, threads: threads, warmups: trainingCase.isImageCase ? 1 : 2, repetitions: repetitions ?? trainingCase.repetitions,
      productTimer: productTimer)
  }

  /// Runs the case called `name` in this process and prints its step time, the work per step its
  /// products executed, the achieved rate and its share of the FMA peak measured in this process
  /// with the same threads, and this process's peak memory (image cases: images/s and the time
  /// of an MNIST epoch too). Every figure name gets `suffix` (`_1thread` for the speedup pass).
  /// With `productTimes`, the case then runs again with its products timed by shape
  /// (``reportProductTimes(of:figure:)``).
  ///
  /// The peak is measured before and after the case and the larger taken: a peak loop that ran
  /// in a slow moment of the host once made a step that normally reads 40 % read 78-84 %.
  func runInThisProcess(_ name: String, among cases: [TrainingStepCase], suffix: String = "", productTimes: Bool = false) throws {
    let trainingCase = try Self.named(name, among: cases)
    let peakBefore = CoreBenchmarks(threads: threads).fmaPeak(threadCount: threads)
    let crossCoreBefore = CrossCoreTraffic.currentReadRatio(threads: threads)
    let measurement = measure(trainingCase)
    let crossCoreAfter = CrossCoreTraffic.currentReadRatio(threads: threads)
    let peakAfter = CoreBenchmarks(threads: threads).fmaPeak(threadCount: threads)
    let peak = FmaPeakReading(before: peakBefore, after: peakAfter)
    let figure = trainingCase.figureName + suffix
    let seconds = measurement.samples.map(\.seconds)
    let spread = String(format: "median of %d steps, min %.3f max %.3f s", seconds.count, seconds.min() ?? .nan, seconds.max() ?? .nan)
    BenchReport.report(figure, measurement.medianSeconds, "s", [trainingCase.note, spread].filter { !$0.isEmpty }.joined(separator: "; "))
    reportWork(of: measurement, figure: figure, peak: peak)
    if let crossCoreBefore, let crossCoreAfter {
      BenchReport.report(
        figure + "_cross_core_read_ratio", max(crossCoreBefore, crossCoreAfter), "x",
        String(format: "the host's state during this case: reading lines the other core wrote over reading one's own, %.2f before the case, %.2f after (the larger); "
          + "on the 2-vCPU Zen 4 VM of 2026-12-05 the two-thread Residual Flow step of one binary reached 38-40 %% of the peak while it read 3.5-4.7 and 52-54 %% while it read 1.0-1.7", crossCoreBefore, crossCoreAfter))
    }
    let memoryNote = "peak resident memory of a process running only this case"
    if trainingCase.isImageCase {
      let batch = trainingCase.run.training.batchSize
      let time = measurement.medianSeconds
      BenchReport.report(
        name + "_images_per_second" + suffix, Double(batch) / time, "images/s", String(format: "an MNIST epoch (937 steps) in %.1f h", 937 * time / 3600))
      BenchReport.report(name + "_rss" + suffix, BenchReport.peakResidentMegabytes(), "MB", memoryNote)
    } else {
      BenchReport.report(name.replacingOccurrences(of: "_step", with: "_rss") + suffix, BenchReport.peakResidentMegabytes(), "MB", memoryNote)
    }
    if productTimes { reportProductTimes(of: trainingCase, figure: figure) }
  }

  /// `<figure>_gflop`, `<figure>_gflops` and `<figure>_peak_percent`: the work per step and the
  /// rate achieved, medians over the timed steps with their least and greatest values.
  func reportWork(of measurement: StepMeasurement, figure: String, peak reading: FmaPeakReading) {
    let operations = measurement.samples.map { Double($0.operations) / 1e9 }
    let rate = measurement.gigaflopsPerSecond
    let peak = reading.best
    BenchReport.report(
      figure + "_gflop", measurement.medianOperations / 1e9, "GFLOP",
      String(format: "matrix-product work per step counted by the kernels, min %.3f max %.3f", operations.min() ?? .nan, operations.max() ?? .nan))
    BenchReport.report(figure + "_gflops", rate.median, "GFLOP/s", String(format: "min %.1f max %.1f over %d steps", rate.minimum, rate.maximum, operations.count))
    BenchReport.report(
      figure + "_peak_percent", 100 * rate.median / peak, "%",
      String(format: "of the %d-thread FMA peak, %.1f GFLOP/s, the better of two measurements in this process (%.1f before the case, %.1f after); min %.1f max %.1f",
        threads, peak, reading.before, reading.after, 100 * rate.minimum / peak, 100 * rate.maximum / peak))
  }

  /// Runs each case in a child process of its own (`--toy-case` or `--image-case`), so that its
  /// peak memory is its own, and waits for each; with more than one thread, each case runs again
  /// with one thread and the speedup `<figure>_speedup` (one-thread time over ``threads``-thread
  /// time) is printed, and each toy case runs as ``threads`` one-thread processes side by side
  /// (``reportSideBySide(_:)``).
  func runEachInChildProcess(_ cases: [TrainingStepCase], speedups: Bool) {
    for trainingCase in cases {
      let flag = trainingCase.isImageCase ? "--image-case" : "--toy-case"
      let many = runChild(["--threads", String(threads), flag, trainingCase.name])
      guard speedups, threads > 1 else { continue }
      let one = runChild(["--threads", "1", flag, trainingCase.name, "--figure-suffix", "_1thread"])
      let figure = trainingCase.figureName
      if let manyThreads = BenchReport.value(of: figure, in: many), let oneThread = BenchReport.value(of: figure + "_1thread", in: one) {
        BenchReport.report(figure + "_speedup", oneThread / manyThreads, "x", "1 → \(threads) threads, step time with one thread over with \(threads)")
      }
      if !trainingCase.isImageCase { reportSideBySide(trainingCase) }
    }
  }

  /// `<figure>_jobs_peak_percent`: ``threads`` one-thread processes of the case at once, as
  /// `lipflow run --jobs N` trains the toy cells, each step's rate over its own process's
  /// one-thread peak, averaged over the processes. It is what N cores give when the threads
  /// never wait for each other, so it bounds any N-thread schedule of the same kernels from above
  /// (they still share the L3 cache and memory); against `<figure>_1thread_peak_percent`, it is
  /// what running beside a neighbour costs on this host.
  func reportSideBySide(_ trainingCase: TrainingStepCase) {
    let figure = trainingCase.figureName
    let outputs = runChildren((1...threads).map { ["--threads", "1", "--toy-case", trainingCase.name, "--figure-suffix", "_job\($0)"] })
    let shares = zip(1..., outputs).compactMap { job, output in BenchReport.value(of: figure + "_job\(job)_peak_percent", in: output) }
    guard shares.count == threads else { return }
    BenchReport.report(
      figure + "_jobs_peak_percent", shares.reduce(0, +) / Double(threads), "%",
      "\(threads) one-thread processes at once (lipflow run --jobs \(threads)), the mean of their shares of the one-thread peak: the most \(threads) threads that never wait for each other reach")
  }

  /// Runs this program with `arguments`, echoes what it prints and returns it.
  func runChild(_ arguments: [String]) -> String {
    runChildren([arguments])[0]
  }

  /// Runs this program once per argument list, all at once, waits for all, echoes what each
  /// printed (in order) and returns it.
  func runChildren(_ argumentLists: [[String]]) -> [String] {
    let started = argumentLists.map { arguments -> (Process, Pipe)? in
      let child = Process()
      child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
      child.arguments = arguments
      let output = Pipe()
      child.standardOutput = output
      do {
        try child.run()
        return (child, output)
      } catch {
        BenchReport.say("could not run \(arguments.joined(separator: " ")): \(error)")
        return nil
      }
    }
    return started.map { started in
      guard let (child, output) = started else { return "" }
      let data = output.fileHandleForReading.readDataToEndOfFile()
      child.waitUntilExit()
      FileHandle.standardOutput.write(data)
      return String(decoding: data, as: UTF8.self)
    }
  }
}

/// The FMA peak measured just before and just after a case (best of 9 loops each).
struct FmaPeakReading {
  let before: Double
  let after: Double
  /// The larger of the two, in GFLOP/s: a peak is the fastest the machine went.
  var best: Double { max(before, after) }
}
