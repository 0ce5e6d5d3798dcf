import ArgumentParser
import FlowCore
import Foundation

/// `lipflow-bench`: speed figures of the numerical core and of one training step of the Table 1
/// models. Besides the human-readable lines, every figure is printed as
/// `bench <name> <value> <unit>` (``BenchReport/report(_:_:_:_:)``).
@main
struct LipFlowBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lipflow-bench",
    abstract: "Speed figures of the numerical core and of one training step of the Table 1 models.")

  @Option(help: "Threads of the worker pool where a figure does not state its own count.")
  var threads: Int = 2

  @Flag(name: .customLong("only-mlp"), help: "Only the toy MLP figures, with a breakdown of its parts.")
  var onlyMultilayerPerceptron = false

  @Flag(name: .customLong("only-gemm"), help: "Only the FMA peak and the matrix-product shapes of the models.")
  var onlyGemm = false

  @Flag(name: .customLong("only-convolutions"), help: "Only the convolution figures (3×3 layers of the image models).")
  var onlyConvolutions = false

  @Flag(name: .customLong("only-host"), help: "Only the host figures: register FMAs against memory-touching products round by round, and buffers passed between two cores.")
  var onlyHost = false

  @Flag(name: .customLong("only-toy"), help: "Only the toy training steps (each in a child process).")
  var onlyToy = false

  @Flag(name: .customLong("only-images"), help: "Only the MNIST training steps (each in a child process).")
  var onlyImages = false

  @Option(name: .customLong("toy-case"), help: "Run one toy training case in this process (internal).")
  var toyCase: String?

  @Option(name: .customLong("image-case"), help: "Run one MNIST training case in this process (internal).")
  var imageCase: String?

  @Option(name: .customLong("figure-suffix"), help: ArgumentHelp("Appended to every figure name of a --toy-case or --image-case run (internal).", visibility: .hidden))
  var figureSuffix = ""

  @Flag(
    name: .customLong("product-times"),
    help: "With --toy-case or --image-case: run the case again with its matrix products timed by shape, and print their time per step and their rate inside the step against alone.")
  var productTimes = false

  @Flag(inversion: .prefixedNo, help: "Run every training step case again with one thread and print the 1 → N thread speedup.")
  var speedups = true

  @Option(help: "A loop for profilers (perf record): exp, mlp, resflow or idensenet.")
  var profile: String?

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1, not \(threads)") }
    guard !productTimes || toyCase != nil || imageCase != nil else {
      throw ValidationError("--product-times needs --toy-case or --image-case (the case whose products are timed)")
    }
  }

  func run() throws {
    let cases = TrainingStepCases(threads: threads)
    if let profile {
      try profileLoop(profile, cases: cases)
    } else if let toyCase {
      try cases.runInThisProcess(toyCase, among: cases.toy, suffix: figureSuffix, productTimes: productTimes)
    } else if let imageCase {
      try cases.runInThisProcess(imageCase, among: cases.images, suffix: figureSuffix, productTimes: productTimes)
    } else if onlyGemm {
      CoreBenchmarks(threads: threads).runPeakAndGemm()
    } else if onlyConvolutions {
      CoreBenchmarks(threads: threads).runConvolutions()
    } else if onlyHost {
      HostStability(rounds: 10_000).run(benchmarks: CoreBenchmarks(threads: threads))
      CrossCoreTraffic(rounds: 2_000).run(threads: threads)
    } else if onlyImages {
      cases.runEachInChildProcess(cases.images, speedups: speedups)
    } else if onlyToy {
      cases.runEachInChildProcess(cases.toy, speedups: speedups)
    } else {
      BenchReport.say("LipFlow core benchmarks (\(ProcessInfo.processInfo.activeProcessorCount) cores visible, \(threads) threads)")
      let benchmarks = CoreBenchmarks(threads: threads)
      if !onlyMultilayerPerceptron {
        benchmarks.runPeakGemmAndConvolution()
        HostStability(rounds: 10_000).run(benchmarks: benchmarks)
        CrossCoreTraffic(rounds: 2_000).run(threads: threads)
      }
      benchmarks.runMultilayerPerceptron(withBreakdown: onlyMultilayerPerceptron)
      if !onlyMultilayerPerceptron {
        cases.runEachInChildProcess(cases.toy, speedups: speedups)
        cases.runEachInChildProcess(cases.images, speedups: speedups)
      }
    }
  }

  /// Loops for profilers: 3,000 `exp` of a 5000×128 tensor, or 40 timed toy training steps.
  func profileLoop(_ name: String, cases: TrainingStepCases) throws {
    try Parallelism.withThreads(threads) {
      switch name {
      case "exp":
        let large = Tensor(repeating: 0.5, shape: [5000, 128])
        for _ in 0..<3000 { _ = large.exp() }
      case "mlp":
        CoreBenchmarks(threads: threads).loopMultilayerPerceptron(repetitions: 20_000)
      case "resflow", "idensenet":
        _ = try cases.secondsPerStep(cases.toyCase(named: "toy_\(name)_step"), repetitions: 40)
      default:
        BenchReport.say("unknown profile \(name)")
        throw ExitCode(2)
      }
    }
  }
}
