import FlowCore
import Flows

/// The test evaluation of classifying image models (task classification or hybrid).
extension ImageBatches {
  /// What a classifying run is evaluated on: its test NLL (bits/dim for hybrid, the label
  /// cross-entropy in nats for a classifier) and its accuracy.
  public struct TaskEvaluation: Sendable, Equatable {
    /// Test bits/dim (hybrid) or the test cross-entropy −log p(y|x) in nats (classification).
    public var negativeLogLikelihood: NegativeLogLikelihood
    /// The test accuracy.
    public var accuracy: ClassificationAccuracy
  }

  /// Evaluates `model` with `head` on the first `count` test images, dequantised from `testSeed`
  /// as ``testBitsPerDimension(of:count:testSeed:chunk:shouldStop:)`` does, in evaluation mode;
  /// log-determinants are estimated only when `task` estimates the density. Nil when `shouldStop`
  /// asks to stop (checked before every chunk).
  public func testEvaluation(
    of model: SequentialFlow, head: ClassificationHead, task: ImageTask, count: Int, testSeed: UInt64, chunk: Int = 200,
    shouldStop: () -> Bool
  ) -> TaskEvaluation? {
    let total = min(count, test.count)
    var noise = RandomStream(seed: testSeed)
    var probes = noise.split()
    var bits = NegativeLogLikelihood.Accumulator()
    var accuracy = ClassificationAccuracy.Accumulator()
    let positions = ClassificationHead.featurePositions(of: model)
    for start in stride(from: 0, to: total, by: chunk) {
      if shouldStop() { return nil }
      let indices = Array(start..<min(total, start + chunk))
      let batch = ImageBatches.dequantised(test, indices: indices, mirrored: indices.map { _ in false }, noise: &noise)
      var context = FlowContext(mode: .evaluation, random: probes.split())
      context.logDeterminants = task.estimatesDensity ? .estimated : .skipped
      let (output, features) = model.forward(Variable(batch), context: &context, keeping: positions)
      let logits = head(features).value
      let labels = indices.map { Int(test.labels[$0]) }
      let crossEntropies = CrossEntropy.perSample(logits: Variable(logits), labels: labels).value.scalars
      accuracy.add(predictions: CrossEntropy.predictions(logits: logits), labels: labels, crossEntropies: crossEntropies)
      guard task.estimatesDensity else { continue }
      let logLikelihoods = (StandardNormal.logDensity(output.value) + output.logDeterminant).value.scalars
      for value in logLikelihoods { bits.add(BitsPerDimension.of(logLikelihood: Double(value), dimension: test.imageSize)) }
    }
    let result = accuracy.result()
    return TaskEvaluation(negativeLogLikelihood: task.estimatesDensity ? bits.result(unit: "bits/dim") : result.crossEntropy, accuracy: result)
  }
}
