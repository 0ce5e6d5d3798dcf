import FlowCore
import Flows

/// What a run trains on: a toy distribution sampled fresh, or image files read once.
public enum TrainingData {
  /// A 2-D toy distribution.
  case toy(ToyDistribution)
  /// Training and test images.
  case images(ImageBatches)

  /// The data of `run`: the toy distribution, or the image files at the dataset's resolved path.
  /// - Throws: ``ImageDataError`` when image files are missing or malformed.
  public static func load(_ run: RunSpec) throws -> TrainingData {
    if let distribution = run.data.distribution { return .toy(distribution) }
    return .images(try ImageBatches.load(run.data, seed: run.seed))
  }

  /// Stand-in data of the right shape for timing a step: random pixels for image runs (a few
  /// batches' worth), nothing read from disk.
  static func timing(_ run: RunSpec) -> TrainingData {
    if let distribution = run.data.distribution { return .toy(distribution) }
    guard let geometry = run.data.kind.geometry else { preconditionFailure("image data without a geometry") }
    var random = RandomStream(seed: 1)
    let count = 2 * run.training.batchSize
    let pixels = (0..<(count * geometry.dimension)).map { _ in UInt8(random.nextUniform() * 255) }
    let images = ImageDataset(
      name: "timing", count: count, height: geometry.height, width: geometry.width, channels: geometry.channels, pixels: pixels,
      labels: Array(repeating: 0, count: count))
    return .images(ImageBatches(training: images, test: images, flips: run.data.kind == .cifar10, seed: run.seed))
  }

  /// The model of `run` for this data: the toy flow on 2-D points or the multi-scale image flow.
  public func buildModel(_ run: RunSpec, random: inout RandomStream) -> SequentialFlow {
    switch self {
    case .toy: return run.model.build(dimension: 2, random: &random)
    case .images(let batches): return run.model.build(image: batches.geometry, logitAlpha: run.data.logitAlpha, random: &random)
    }
  }

  /// The weight of the learned-norm loss (``LipschitzConstrained/normOrderLoss()``) in the
  /// training loss, as the reference: 0.01 in `train_toy.py`, 1 in `train_img.py` (where the
  /// loss is in bits per dimension for density models, bits per image for hybrid ones).
  var normOrderLossWeight: Float {
    switch self {
    case .toy: return 0.01
    case .images: return 1
    }
  }

  /// The classification head of `run` for this data (nil for task density and toy data), drawn from
  /// `random` after ``buildModel(_:random:)``.
  public func buildHead(_ run: RunSpec, random: inout RandomStream) -> ClassificationHead? {
    guard case .images = self else { return nil }
    return run.model.buildHead(for: run.data, random: &random)
  }

  /// The training batch of 0-based `iteration`.
  func trainingBatch(iteration: Int, size: Int, random: inout RandomStream) -> Tensor {
    switch self {
    case .toy(let distribution): return distribution.sample(count: size, random: &random)
    case .images(let batches): return batches.trainingBatch(iteration: iteration, size: size, noise: &random)
    }
  }

  /// The test NLL: toy nats on `samples` fresh points, or bits/dim on the first `samples` test
  /// images; nil when `shouldStop` asks to stop (checked between chunks).
  func testNegativeLogLikelihood(of model: SequentialFlow, samples: Int, testSeed: UInt64, shouldStop: () -> Bool = { false }) -> NegativeLogLikelihood? {
    switch self {
    case .toy(let distribution):
      return ToyEvaluation.negativeLogLikelihood(of: model, on: distribution, samples: samples, testSeed: testSeed, shouldStop: shouldStop)
    case .images(let batches):
      return batches.testBitsPerDimension(of: model, count: samples, testSeed: testSeed, shouldStop: shouldStop)
    }
  }

  /// The entropy of a toy distribution (a floor for its NLL), nil for images.
  var entropy: Double? {
    if case .toy(let distribution) = self { return distribution.entropy }
    return nil
  }
}
