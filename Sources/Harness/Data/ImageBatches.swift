import FlowCore
import Flows
import Foundation

/// Training batches and test bits/dim of an image run (residual-flows `train_img.py`).
///
/// Each epoch visits the training images in a random order fixed by the run's seed and the epoch
/// (so the order needs no saved state); the last incomplete batch is dropped. Pixels are
/// dequantised uniformly, x = (pixel + u)/256 with u ~ U[0, 1), at training and at test time;
/// CIFAR10 images are also flipped horizontally with probability ½ in training.
public final class ImageBatches {
  /// The training images.
  public let training: ImageDataset
  /// The test images.
  public let test: ImageDataset
  /// Whether training images are flipped at random (CIFAR10).
  public let flips: Bool
  /// The seed of the epoch orders.
  public let seed: UInt64
  private var order: (epoch: Int, indices: [Int])?

  /// Creates the batcher.
  public init(training: ImageDataset, test: ImageDataset, flips: Bool, seed: UInt64) {
    self.training = training
    self.test = test
    self.flips = flips
    self.seed = seed
  }

  /// `[H, W, C]` of one image.
  public var geometry: ImageGeometry { ImageGeometry(height: training.height, width: training.width, channels: training.channels) }

  /// Loads the standard files of `data` (MNIST IDX, CIFAR10 binary or python batches) from its resolved path.
  /// - Throws: ``ImageDataError`` when files are missing or malformed.
  public static func load(_ data: DatasetSpec, seed: UInt64) throws -> ImageBatches {
    let directory = data.resolvedPath()
    switch data.kind {
    case .mnist:
      return ImageBatches(
        training: try MNIST.load(directory: directory, split: .training), test: try MNIST.load(directory: directory, split: .test),
        flips: false, seed: seed)
    case .cifar10:
      return ImageBatches(
        training: try CIFAR10.load(directory: directory, split: .training), test: try CIFAR10.load(directory: directory, split: .test),
        flips: true, seed: seed)
    case .toy:
      preconditionFailure("toy data has no image files")
    }
  }

  /// The training order of `epoch`: a permutation from a stream keyed by the seed and the epoch.
  func indices(epoch: Int) -> [Int] {
    if let order, order.epoch == epoch { return order.indices }
    var random = RandomStream(key: seed ^ 0x696d_6167_6573, position: UInt64(epoch) << 32, splits: 0)
    var indices = Array(0..<training.count)
    for index in stride(from: indices.count - 1, to: 0, by: -1) {
      let other = min(Int(random.nextUniform() * Double(index + 1)), index)
      indices.swapAt(index, other)
    }
    order = (epoch, indices)
    return indices
  }

  /// The dequantised batch of 0-based training `iteration`, `[size, H, W, C]`; the noise (and
  /// flips) come from `noise`.
  public func trainingBatch(iteration: Int, size: Int, noise: inout RandomStream) -> Tensor {
    let chosen = trainingIndices(iteration: iteration, size: size)
    let mirrored = flips ? chosen.map { _ in noise.nextBernoulli(0.5) } : Array(repeating: false, count: size)
    return ImageBatches.dequantised(training, indices: chosen, mirrored: mirrored, noise: &noise)
  }

  /// The training images of 0-based `iteration`: batch `iteration mod E` of epoch `iteration / E`'s
  /// order, E = ⌊count / size⌋ batches per epoch.
  func trainingIndices(iteration: Int, size: Int) -> [Int] {
    let perEpoch = max(training.count / size, 1)
    let start = (iteration % perEpoch) * size
    let order = indices(epoch: iteration / perEpoch)
    return (0..<size).map { order[(start + $0) % order.count] }
  }

  /// The class labels of the batch of 0-based training `iteration` (those of
  /// ``trainingBatch(iteration:size:noise:)``'s images, in order).
  public func trainingLabels(iteration: Int, size: Int) -> [Int] {
    trainingIndices(iteration: iteration, size: size).map { Int(training.labels[$0]) }
  }

  /// Images `indices` of `dataset` as `[n, H, W, C]` in [0, 1): (pixel + u)/256, u ~ U[0, 1).
  static func dequantised(_ dataset: ImageDataset, indices: [Int], mirrored: [Bool], noise: inout RandomStream) -> Tensor {
    let size = dataset.imageSize
    let (width, channels) = (dataset.width, dataset.channels)
    let uniform = Tensor.randomUniform(shape: [indices.count * size], lower: 0, upper: 1, stream: &noise).scalars
    var scalars = [Float](repeating: 0, count: indices.count * size)
    for (row, index) in indices.enumerated() {
      let source = index * size
      for position in 0..<size {
        var from = position
        if mirrored[row] {
          let pixel = position / channels
          let (y, x, channel) = (pixel / width, pixel % width, position % channels)
          from = (y * width + (width - 1 - x)) * channels + channel
        }
        scalars[row * size + position] = (Float(dataset.pixels[source + from]) + uniform[row * size + position]) / 256
      }
    }
    return Tensor(shape: [indices.count, dataset.height, width, channels], scalars: scalars)
  }

  /// Test bits/dim over the first `count` test images (all of them when `count` is larger), one
  /// dequantisation per image from `testSeed`, the model in evaluation mode, in chunks of `chunk`.
  public func testBitsPerDimension(of model: SequentialFlow, count: Int, testSeed: UInt64, chunk: Int = 200) -> NegativeLogLikelihood {
    guard let result = testBitsPerDimension(of: model, count: count, testSeed: testSeed, chunk: chunk, shouldStop: { false }) else {
      preconditionFailure("an evaluation that is never asked to stop finished early")
    }
    return result
  }

  /// The same, nil when `shouldStop` asks to stop (checked before every chunk).
  public func testBitsPerDimension(of model: SequentialFlow, count: Int, testSeed: UInt64, chunk: Int = 200, shouldStop: () -> Bool) -> NegativeLogLikelihood? {
    let total = min(count, test.count)
    var noise = RandomStream(seed: testSeed)
    var probes = noise.split()
    var accumulator = NegativeLogLikelihood.Accumulator()
    let dimension = test.imageSize
    for start in stride(from: 0, to: total, by: chunk) {
      if shouldStop() { return nil }
      let indices = Array(start..<min(total, start + chunk))
      let batch = ImageBatches.dequantised(test, indices: indices, mirrored: indices.map { _ in false }, noise: &noise)
      var context = FlowContext(mode: .evaluation, random: probes.split())
      for value in model.logLikelihood(Variable(batch), context: &context).value.scalars {
        accumulator.add(BitsPerDimension.of(logLikelihood: Double(value), dimension: dimension))
      }
    }
    return accumulator.result(unit: "bits/dim")
  }
}
