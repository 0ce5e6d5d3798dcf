import FlowCore
import Flows
import Foundation

/// The toy test protocol of the reference (`train_toy.py`): fresh samples from a fixed test seed,
/// the model in evaluation mode (exact 2×2 log-determinants), processed in chunks.
public enum ToyEvaluation {
  /// −log p(x) over `samples` fresh samples drawn with `testSeed`, in chunks of `chunk`.
  public static func negativeLogLikelihood(
    of model: SequentialFlow, on distribution: ToyDistribution, samples: Int = 10_000,
    testSeed: UInt64, chunk: Int = 2_000
  ) -> NegativeLogLikelihood {
    guard let result = negativeLogLikelihood(of: model, on: distribution, samples: samples, testSeed: testSeed, chunk: chunk, shouldStop: { false }) else {
      preconditionFailure("an evaluation that is never asked to stop finished early")
    }
    return result
  }

  /// The same, nil when `shouldStop` asks to stop (checked between chunks).
  public static func negativeLogLikelihood(
    of model: SequentialFlow, on distribution: ToyDistribution, samples: Int, testSeed: UInt64, chunk: Int = 2_000, shouldStop: () -> Bool
  ) -> NegativeLogLikelihood? {
    precondition(samples >= 2, "Need at least two test samples for a standard error")
    var data = RandomStream(seed: testSeed)
    let points = distribution.sample(count: samples, random: &data)
    var probes = data.split()
    guard let values = logLikelihoods(of: model, at: points, chunk: chunk, random: &probes, shouldStop: shouldStop) else { return nil }
    var accumulator = NegativeLogLikelihood.Accumulator()
    for value in values { accumulator.add(-value) }
    return accumulator.result(unit: "nats")
  }

  /// log p(x) per point of `points` `[n, 2]`, in evaluation mode, in chunks of `chunk`; each
  /// chunk's context gets a stream split off `random`.
  public static func logLikelihoods(of model: SequentialFlow, at points: Tensor, chunk: Int = 2_000, random: inout RandomStream) -> [Double] {
    logLikelihoods(of: model, at: points, chunk: chunk, random: &random, shouldStop: { false }) ?? []
  }

  /// The same, nil when `shouldStop` asks to stop (checked before every chunk).
  public static func logLikelihoods(
    of model: SequentialFlow, at points: Tensor, chunk: Int = 2_000, random: inout RandomStream, shouldStop: () -> Bool
  ) -> [Double]? {
    var result: [Double] = []
    let count = points.shape[0]
    result.reserveCapacity(count)
    for start in stride(from: 0, to: count, by: chunk) {
      if shouldStop() { return nil }
      let end = min(count, start + chunk)
      let batch = Tensor(shape: [end - start, 2], scalars: Array(points.scalars[(2 * start)..<(2 * end)]))
      var context = FlowContext(mode: .evaluation, random: random.split())
      result += model.logLikelihood(Variable(batch), context: &context).value.scalars.map(Double.init)
    }
    return result
  }
}
