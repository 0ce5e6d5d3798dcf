import FlowCore
import Foundation

/// The cross-entropy of class labels under softmax logits: −log p(y|x) = logsumexp(ℓ) − ℓ_y per
/// sample, in nats (PyTorch's `CrossEntropyLoss` before its mean, as residual-flows `train_img.py`
/// uses it).
public enum CrossEntropy {
  /// −log softmax(ℓ)_y for each row of `logits` `[N, K]` and its label in 0..<K, `[N]`. The row
  /// maximum is subtracted (as a constant) before exponentiating, so large logits do not overflow.
  public static func perSample(logits: Variable, labels: [Int]) -> Variable {
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    precondition(labels.count == rows && labels.allSatisfy { (0..<classes).contains($0) }, "\(labels.count) labels in 0..<\(classes) needed")
    let scalars = logits.value.scalars
    let maxima = (0..<rows).map { row in scalars[(row * classes)..<((row + 1) * classes)].max() ?? 0 }
    let shift = Tensor(shape: [rows, classes], scalars: maxima.flatMap { Array(repeating: $0, count: classes) })
    var oneHot = [Float](repeating: 0, count: rows * classes)
    for (row, label) in labels.enumerated() { oneHot[row * classes + label] = 1 }
    let logSumExp = (logits - Variable(shift)).exp().sum(alongAxis: 1).log() + Variable(Tensor(shape: [rows], scalars: maxima))
    return logSumExp - (logits * Variable(Tensor(shape: [rows, classes], scalars: oneHot))).sum(alongAxis: 1)
  }

  /// The index of the largest logit of each row of `logits` `[N, K]` (the first of equal ones).
  public static func predictions(logits: Tensor) -> [Int] {
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    let scalars = logits.scalars
    return (0..<rows).map { row in
      var best = 0
      for label in 1..<max(classes, 1) where scalars[row * classes + label] > scalars[row * classes + best] { best = label }
      return best
    }
  }
}
