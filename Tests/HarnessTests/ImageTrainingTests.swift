import FlowCore
import Flows
import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// A directory in MNIST's IDX layout with `training` and `test` images of 28×28 (labels 0).
func syntheticMNIST(_ name: String, training: Int = 40, test: Int = 12) throws -> String {
  let directory = temporaryDirectory(name)
  try write(mnistImages(count: training), to: directory + "/train-images-idx3-ubyte")
  try write(idxFile(dimensions: [training], data: Array(repeating: 0, count: training)), to: directory + "/train-labels-idx1-ubyte")
  try write(mnistImages(count: test, first: 100), to: directory + "/t10k-images-idx3-ubyte")
  try write(idxFile(dimensions: [test], data: Array(repeating: 0, count: test)), to: directory + "/t10k-labels-idx1-ubyte")
  return directory
}

/// A spec with one tiny multi-scale model per family on an MNIST directory at `path`.
func imageSpec(path: String) -> String {
  """
  experiment: {name: images}
  seed: 5
  models:
    resflow:
      family: resflow
      blocks: 9
      hidden: [16]
      coefficient: 0.9
      image: {blocks: 1, scales: 2, hidden: [4, 4], fc_blocks: 1, fc_hidden: [8], coefficient: 0.95,
              estimator: {kind: russian_roulette, distribution: poisson, parameter: 2, exact_terms: 2, samples: 1},
              gradient: neumann, power_iterations: {training: {tolerance: 1.0e-3, maximum: 50}, evaluation: 5}}
    idensenet:
      family: idensenet
      blocks: 1
      scales: 2
      depth: 2
      growth: 4
      fc_blocks: 1
      coefficient: 0.95
      concatenation: {coefficient: 0.98, learnable: true, start: 3}
      estimator: {kind: russian_roulette, distribution: poisson, parameter: 2, exact_terms: 2, samples: 1}
      gradient: neumann
  datasets:
    moons: {kind: toy, distribution: 2moons}
    digits:
      kind: mnist
      path: \(path)
      training: {epochs: 1.5, batch_size: 4, warmup_iterations: 3, gradient_clipping: 1.0, ema: 0.9, checkpoint_every: 4}
      evaluation: {every: 5, test_samples: 8, final_test_samples: 12}
  training:
    iterations: 20
    batch_size: 16
    optimizer: {name: adam, learning_rate: 1.0e-3, betas: [0.9, 0.99]}
    log_every: 2
  evaluation: {every: 10, test_samples: 100, test_seed: 4}
  table:
    rows: [resflow, idensenet]
    columns: [moons, digits]
  """
}

/// `text` (from ``imageSpec(path:)``) with both models' blocks set to `memory`.
func imageSpec(_ text: String, memory: BlockMemory) -> String {
  let value = memory == .store ? "store" : "recompute"
  return text.replacingOccurrences(of: "gradient: neumann, power_iterations", with: "gradient: neumann, memory: \(value), power_iterations")
    .replacingOccurrences(of: "\n    gradient: neumann\n", with: "\n    gradient: neumann\n    memory: \(value)\n")
}

@Suite("Image training")
struct ImageTrainingTests {
  @Test("A model's image block replaces its toy keys only on image columns, and epochs become iterations")
  func imageBlocksApplyToImageColumns() throws {
    let plan = try ExperimentPlan.parse(imageSpec(path: "/nowhere"))
    let toy = try #require(plan.runs.first { $0.identifier == "resflow-moons" })
    let image = try #require(plan.runs.first { $0.identifier == "resflow-digits" })
    #expect(toy.model.blocks == 9 && toy.model.hidden == [16] && toy.model.coefficient == 0.9 && toy.training.iterations == 20)
    #expect(image.model.blocks == 1 && image.model.hidden == [4, 4] && image.model.coefficient == 0.95)
    #expect(image.model.evaluationPowerIterations == .iterations(5))
    // 1.5 epochs of 60,000 / 4 batches; the dataset's training block overrides the top level key by key.
    #expect(image.training.iterations == 22_500 && image.training.batchSize == 4 && image.training.betas == [0.9, 0.99])
    #expect(image.evaluation.every == 5 && image.evaluation.testSeed == 4)
  }

  @Test("Epochs on toy data are refused with the location of the key")
  func epochsOnToyDataAreRefused() {
    let text = imageSpec(path: "/nowhere").replacingOccurrences(of: "\ntraining:\n  iterations: 20", with: "\ntraining:\n  epochs: 2")
    do {
      _ = try ExperimentPlan.parse(text, file: "images.yaml")
      Issue.record("accepted")
    } catch {
      #expect("\(error)".hasPrefix("images.yaml:"))
      #expect("\(error)".contains("training.epochs: 'epochs' applies only to image data"))
    }
  }

  @Test("Each epoch visits every training image once, in an order fixed by the seed, dequantised into [k/256, (k+1)/256]")
  func batchesCoverTheEpochAndDequantise() throws {
    let directory = try syntheticMNIST("batches", training: 12, test: 3)
    let dataset = try MNIST.load(directory: directory, split: .training)
    let batches = ImageBatches(training: dataset, test: try MNIST.load(directory: directory, split: .test), flips: false, seed: 7)
    var noise = RandomStream(seed: 1)
    var seen: [Int] = []
    for iteration in 0..<3 {
      let batch = batches.trainingBatch(iteration: iteration, size: 4, noise: &noise)
      #expect(batch.shape == [4, 28, 28, 1])
      for row in 0..<4 {
        // Identify the image by its first pixel (image i has pixel (0, 0) = 31·i mod 256).
        let first = batch[flat: row * 784]
        let pixel = Int((first * 256).rounded(.down))
        let image = try #require((0..<12).first { Int(mnistPixel($0, 0, 0)) == pixel })
        seen.append(image)
        for position in 0..<784 {
          let value = batch[flat: row * 784 + position] * 256
          let expected = Float(mnistPixel(image, position / 28, position % 28))
          #expect(value >= expected && value <= expected + 1)  // u < 1, but (255 + u)/256 may round up to 1 in Float
        }
      }
    }
    #expect(seen.sorted() == Array(0..<12))
    #expect(seen != Array(0..<12), "the order is shuffled")
    let again = ImageBatches(training: dataset, test: dataset, flips: false, seed: 7)
    var other = RandomStream(seed: 2)
    let first = again.trainingBatch(iteration: 0, size: 4, noise: &other)
    #expect(Int((first[flat: 0] * 256).rounded(.down)) == Int(mnistPixel(seen[0], 0, 0)), "same seed, same order")
  }

  @Test("A density of 1 on the unit cube is 8 bits per dimension, and each nat per image adds 1/(D ln 2)")
  func bitsPerDimension() {
    #expect(BitsPerDimension.of(logLikelihood: 0, dimension: 784) == 8)
    let shifted = BitsPerDimension.of(logLikelihood: -784 * log(2.0), dimension: 784)
    #expect(abs(shifted - 9) < 1e-12)
  }

  @Test(
    "An image run interrupted and resumed ends bit-identical to an uninterrupted one, EMA and ActNorm included",
    arguments: ["resflow", "idensenet"], [BlockMemory.store, .recompute])
  func imageResumeIsBitIdentical(model: String, memory: BlockMemory) throws {
    let data = try syntheticMNIST("resume-data")
    var text = imageSpec(imageSpec(path: data), memory: memory)
    text = text.replacingOccurrences(of: "epochs: 1.5", with: "epochs: 0.0008")  // 12 iterations of 4 (epochs count MNIST's 60,000)
    let spec = try #require(try ExperimentPlan.parse(text).runs.first { $0.identifier == "\(model)-digits" })
    #expect(spec.training.iterations == 12 && spec.model.memory == memory)
    let straight = temporaryDirectory("image-straight")
    guard case .completed(let expected) = try trainer(spec, in: straight).train() else { Issue.record("did not complete"); return }
    #expect(expected.unit == "bits/dim" && expected.testSamples == 12 && expected.testNLL.isFinite && expected.testNLL > 0)

    let resumed = temporaryDirectory("image-resumed")
    var calls = 0
    // Checks after iterations 1…5, then before the evaluation at iteration 5: the stop lands
    // inside that evaluation, which the resumed run makes again from the checkpoint before it.
    #expect(try trainer(spec, in: resumed).train(shouldStop: { calls += 1; return calls == 6 }) == .interrupted(iteration: 5))
    guard case .completed(let evaluation) = try trainer(spec, in: resumed).train() else { Issue.record("did not complete"); return }
    #expect(evaluation.testNLL.bitPattern == expected.testNLL.bitPattern)
    #expect(evaluation == expected)
    let strip = { (path: String) in MetricRow.read(path: path).map { [$0.iteration, Int($0.loss.bitPattern), Int(($0.testNLL ?? 0).bitPattern)] } }
    #expect(strip(resumed + "/metrics.csv") == strip(straight + "/metrics.csv"))
    if model == "idensenet" { #expect(evaluation.concatenationWeights?.count == 3) }
  }

  @Test(
    "An image run gives bit-identical metrics and test bits/dim with one, two, three and four threads",
    arguments: ["resflow", "idensenet"], [BlockMemory.store, .recompute])
  func imageTrainingDoesNotDependOnThreads(model: String, memory: BlockMemory) throws {
    let data = try syntheticMNIST("threads-data")
    let text = imageSpec(imageSpec(path: data), memory: memory).replacingOccurrences(of: "epochs: 1.5", with: "epochs: 0.0004")  // 6 iterations of 4
    let spec = try #require(try ExperimentPlan.parse(text).runs.first { $0.identifier == "\(model)-digits" })
    let strip = { (path: String) in MetricRow.read(path: path).map { [$0.iteration, Int($0.loss.bitPattern), Int(($0.testNLL ?? 0).bitPattern)] } }
    var first: (evaluation: RunEvaluation, metrics: [[Int]])?
    for threads in 1...4 {
      #expect(spec.model.memory == memory)
      let directory = temporaryDirectory("image-threads-\(threads)")
      guard case .completed(let evaluation) = try trainer(spec, in: directory, threads: threads).train() else {
        Issue.record("\(threads) threads: did not complete")
        return
      }
      let metrics = strip(directory + "/metrics.csv")
      guard let first else {
        first = (evaluation, metrics)
        continue
      }
      #expect(evaluation.testNLL.bitPattern == first.evaluation.testNLL.bitPattern, "\(threads) threads: \(evaluation.testNLL) vs \(first.evaluation.testNLL)")
      #expect(metrics == first.metrics, "\(threads) threads: metrics differ")
    }
  }

  @Test("An image run that recomputes its blocks in the backward pass trains to the stored run's numbers", arguments: ["resflow", "idensenet"])
  func recomputingRunMatchesStoringRun(model: String) throws {
    let data = try syntheticMNIST("memory-data")
    var results: [(evaluation: RunEvaluation, losses: [Double])] = []
    for memory in [BlockMemory.store, .recompute] {
      let text = imageSpec(imageSpec(path: data), memory: memory).replacingOccurrences(of: "epochs: 1.5", with: "epochs: 0.0004")
      let spec = try #require(try ExperimentPlan.parse(text).runs.first { $0.identifier == "\(model)-digits" })
      #expect(spec.model.memory == memory)
      let directory = temporaryDirectory("image-memory")
      guard case .completed(let evaluation) = try trainer(spec, in: directory).train() else { Issue.record("did not complete"); return }
      results.append((evaluation, MetricRow.read(path: directory + "/metrics.csv").map { Double($0.loss) }))
    }
    // With Neumann gradients the stored graph's log-determinant is surrogate + (estimate − surrogate),
    // the recomputed one the estimate itself, and the gradients come from replayed operations:
    // the two runs agree to rounding.
    let (stored, recomputed) = (results[0], results[1])
    #expect(stored.losses.count == recomputed.losses.count && !stored.losses.isEmpty)
    for (a, b) in zip(stored.losses, recomputed.losses) { #expect(abs(a - b) <= 1e-4 * abs(a), "loss \(a) against \(b)") }
    #expect(abs(stored.evaluation.testNLL - recomputed.evaluation.testNLL) <= 1e-4 * stored.evaluation.testNLL)
  }

  @Test("An image run whose directory is missing is recorded as not run, naming the path")
  func missingImagesAreNotRun() throws {
    let spec = try #require(try ExperimentPlan.parse(imageSpec(path: "/nonexistent/cifar")).runs.first { $0.identifier == "resflow-digits" })
    let directory = temporaryDirectory("missing-images")
    let outcome = try trainer(spec, in: directory).train()
    guard case .notRun(let reason) = outcome else { Issue.record("\(outcome)"); return }
    #expect(reason.hasPrefix("digits not found at /nonexistent/cifar"))
    #expect(try RunManifest.read(directory: directory)?.status == .notRun)
  }

  @Test("A corrupt image file fails the run with the file and the problem")
  func corruptImagesFailTheRun() throws {
    let data = try syntheticMNIST("corrupt-data")
    let path = data + "/t10k-images-idx3-ubyte"
    let bytes = try #require(FileManager.default.contents(atPath: path))
    try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: path))
    let spec = try #require(try ExperimentPlan.parse(imageSpec(path: data)).runs.first { $0.identifier == "resflow-digits" })
    let outcome = try trainer(spec, in: temporaryDirectory("corrupt-images")).train()
    guard case .failed(let reason) = outcome else { Issue.record("\(outcome)"); return }
    #expect(reason.contains(path) && reason.contains("truncated"))
  }
}
