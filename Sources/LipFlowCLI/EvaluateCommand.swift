import ArgumentParser
import FlowCore
import Flows
import Foundation
import Harness

/// `lipflow evaluate SPEC --only RUN [--weights W] [--inputs X | --points X.csv] [--output OUT.csv]`:
/// log p of given inputs under a run's trained model (or under reference-layout weights), or a
/// fresh test NLL.
struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Log-density of given inputs, or a test NLL, under a run's trained model or given reference weights.",
    discussion: """
      With --inputs (safetensors, tensor 'x': [N, 2] points, or [N, C, H, W] dequantised images in [0, 1], \
      NCHW as the reference) or --points (CSV of x,y rows) it writes index,log_density (nats; images also \
      bits_per_dim) per input and needs no dataset files. Toy log-densities are exact (2x2); image ones use \
      the Russian-roulette series with 20 exact terms, or the full Jacobian with --exact. Without inputs it \
      prints a fresh test NLL and its standard error on --test-samples points or test images.
      """)

  @OptionGroup var options: TrainedRunOptions

  @Option(help: ArgumentHelp("A safetensors state_dict in the reference layout to evaluate instead of the run's checkpoint.", valueName: "file"))
  var weights: String?

  @Option(help: ArgumentHelp("A safetensors file whose tensor 'x' holds the inputs.", valueName: "file"))
  var inputs: String?

  @Option(help: ArgumentHelp("A CSV file of 2-D points (x,y per line; a header line is allowed).", valueName: "file"))
  var points: String?

  @Option(help: ArgumentHelp("Test points or images for the test NLL (default: the spec's final_test_samples).", valueName: "n"))
  var testSamples: Int?

  @Option(help: ArgumentHelp("Write the per-input CSV here (atomically) instead of printing it.", valueName: "file"))
  var output: String?

  @Flag(help: "Image models: exact log-determinants from the full Jacobian (slow; small inputs).")
  var exact = false

  func run() throws {
    try options.withSelectedRun(evaluate)
  }

  func evaluate(_ plan: ExperimentPlan, _ run: RunSpec) throws {
    if inputs != nil && points != nil { throw CommandFailure.usage("give --inputs or --points, not both") }
    if let testSamples, testSamples < 2 { throw CommandFailure.usage("--test-samples \(testSamples): need at least 2 for a standard error") }
    let geometry = run.data.kind.geometry
    if points != nil && geometry != nil { throw CommandFailure.usage("--points is for toy runs; \(run.identifier) is an image run: give --inputs") }
    let (model, source) = try options.model(plan, run, weights: weights, estimator: exact ? .exactJacobian : nil)
    say("\(run.identifier): \(source)")
    guard inputs != nil || points != nil else { return try testNegativeLogLikelihood(model, run) }
    let x = try inputs.map { try EvaluateCommand.readInputs($0, geometry: geometry) } ?? EvaluateCommand.readPoints(points ?? "")
    let values = EvaluateCommand.logDensities(model, x, chunk: geometry == nil ? 2_000 : (exact ? 4 : 16))
    var lines = [geometry == nil ? "index,log_density" : "index,log_density,bits_per_dim"]
    for (index, value) in values.enumerated() {
      var line = "\(index),\(value)"
      if let geometry { line += ",\(BitsPerDimension.of(logLikelihood: value, dimension: geometry.dimension))" }
      lines.append(line)
    }
    if let output {
      try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: output)
      let mean = values.reduce(0, +) / Double(max(values.count, 1))
      say("\(output): log p of \(values.count) inputs (mean \(mean) nats)")
    } else {
      for line in lines { say(line) }
    }
  }

  /// The test NLL ± standard error on fresh points / the first test images.
  func testNegativeLogLikelihood(_ model: SequentialFlow, _ run: RunSpec) throws {
    let samples = testSamples ?? run.evaluation.finalTestSamples
    let result: NegativeLogLikelihood
    if let distribution = run.data.distribution {
      result = ToyEvaluation.negativeLogLikelihood(of: model, on: distribution, samples: samples, testSeed: run.evaluation.testSeed)
    } else {
      if let missing = run.data.missingData { throw HarnessError.io(path: run.data.resolvedPath(), reason: "\(missing); give --inputs for given images") }
      guard case .images(let batches) = try TrainingData.load(run) else { return }
      result = batches.testBitsPerDimension(of: model, count: samples, testSeed: run.evaluation.testSeed)
    }
    say("\(run.identifier): test NLL \(result)")
  }

  /// log p (nats) of every row of `x` in evaluation mode, in chunks of `chunk` rows.
  static func logDensities(_ model: SequentialFlow, _ x: Tensor, chunk: Int) -> [Double] {
    let count = x.shape[0]
    let rowSize = x.count / max(count, 1)
    var random = RandomStream(seed: 0)
    var result: [Double] = []
    for start in stride(from: 0, to: count, by: chunk) {
      let end = min(count, start + chunk)
      let batch = Tensor(shape: [end - start] + x.shape.dropFirst(), scalars: Array(x.scalars[(start * rowSize)..<(end * rowSize)]))
      var context = FlowContext(mode: .evaluation, random: random.split())
      result += model.logLikelihood(Variable(batch), context: &context).value.scalars.map(Double.init)
    }
    return result
  }

  /// Tensor `x` of a safetensors file: `[N, 2]` for toy runs, `[N, C, H, W]` images (returned NHWC).
  static func readInputs(_ path: String, geometry: ImageGeometry?) throws -> Tensor {
    let file = try SafeTensorsFile.read(path: path)
    guard let x = file.tensor(named: "x") ?? (file.tensors.count == 1 ? file.tensors[0].tensor : nil) else {
      throw HarnessError.invalidWeights(path: path, reason: "no tensor 'x' (tensors: \(file.tensors.map(\.name).joined(separator: ", ")))")
    }
    guard let geometry else {
      guard x.rank == 2, x.shape[1] == 2 else { throw HarnessError.invalidWeights(path: path, reason: "tensor 'x' has shape \(x.shape), expected [N, 2] points") }
      return x
    }
    let expected = [geometry.channels, geometry.height, geometry.width]
    guard x.rank == 4, Array(x.shape.dropFirst()) == expected else {
      throw HarnessError.invalidWeights(path: path, reason: "tensor 'x' has shape \(x.shape), expected [N] + \(expected) (NCHW images in [0, 1])")
    }
    if let bad = x.scalars.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
      throw HarnessError.invalidWeights(path: path, reason: "tensor 'x' holds \(x.scalars[bad]) at index \(bad); images must be dequantised pixels in [0, 1]")
    }
    return ReferenceWeights.channelsLast(x)
  }

  /// `[N, 2]` from a CSV of x,y rows (one header line allowed, blank lines skipped).
  static func readPoints(_ path: String) throws -> Tensor {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw HarnessError.io(path: path, reason: FileOperations.reason(for: error)) }
    var scalars: [Float] = []
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      let fields = trimmed.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
      if number == 0 && fields.contains(where: { $0 == nil }) { continue }
      guard fields.count == 2, let x = fields[0], let y = fields[1], x.isFinite, y.isFinite else {
        throw HarnessError.io(path: path, reason: "line \(number + 1): expected two finite numbers x,y, found '\(trimmed)'")
      }
      scalars += [x, y]
    }
    return Tensor(shape: [scalars.count / 2, 2], scalars: scalars)
  }
}
