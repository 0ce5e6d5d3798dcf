import Foundation

/// Test accuracy of a classifying run (task classification or hybrid): the fraction of test
/// images whose largest logit is their label (residual-flows `validate`: `logits.max(1)` against
/// `y`), with the test cross-entropy −log p(y|x).
public struct ClassificationAccuracy: Sendable, Equatable, CustomStringConvertible {
  /// Images classified correctly.
  public var correct: Int
  /// Images classified.
  public var total: Int
  /// The mean test cross-entropy −log p(y|x) in nats, with its standard error.
  public var crossEntropy: NegativeLogLikelihood

  /// correct / total.
  public var fraction: Double { Double(correct) / Double(max(total, 1)) }

  /// The binomial standard error of ``fraction``, √(a(1 − a)/n).
  public var standardError: Double { (fraction * (1 - fraction) / Double(max(total, 1))).squareRoot() }

  /// `97.31 % (9731/10000)`.
  public var description: String { String(format: "%.2f %% ", 100 * fraction) + "(\(correct)/\(total))" }

  /// Counts correct predictions and cross-entropies as chunks come.
  struct Accumulator {
    private var correct = 0
    private var total = 0
    private var crossEntropies = NegativeLogLikelihood.Accumulator()

    /// Adds the predictions and per-image cross-entropies (nats) of images with `labels`.
    mutating func add(predictions: [Int], labels: [Int], crossEntropies values: [Float]) {
      for (prediction, label) in zip(predictions, labels) where prediction == label { correct += 1 }
      total += labels.count
      for value in values { crossEntropies.add(Double(value)) }
    }

    /// The accuracy of everything added (at least one image).
    func result() -> ClassificationAccuracy {
      ClassificationAccuracy(correct: correct, total: total, crossEntropy: crossEntropies.result(unit: "nats/label"))
    }
  }
}
