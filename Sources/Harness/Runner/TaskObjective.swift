import FlowCore
import Flows
import Foundation

/// The training loss of a classifying image model (residual-flows `train_img.py`, `--task
/// classification | hybrid`), for one batch with its labels.
///
/// - classification: the mean cross-entropy −log p(y|x) in nats; no log-determinant is estimated.
/// - hybrid: the negative of E[λ·log p(x) + log p(y|x)] (Chen et al. 2019, as the Residual Flows review states it), in bits per image:
///   (λ·D·bits/dim + cross-entropy/ln 2), with log p(x) the discrete log-likelihood of the 8-bit
///   image (the density minus D·ln 256, as bits/dim counts it). λ = 1 is the reference's default
///   loss `bpd·D + crossent/ln 2` (`--scale-dim False`); λ = 1/D is its `--scale-dim True`,
///   `bpd + crossent/ln 2`.
public enum TaskObjective {
  /// The loss of `batch` `[N, H, W, C]` with `labels` under `model` and `head`.
  public static func loss(
    model: SequentialFlow, head: ClassificationHead, data: DatasetSpec, batch: Tensor, labels: [Int], context: inout FlowContext
  ) -> Variable {
    context.logDeterminants = data.task.estimatesDensity ? .estimated : .skipped
    let (output, features) = model.forward(Variable(batch), context: &context, keeping: ClassificationHead.featurePositions(of: model))
    let crossEntropy = CrossEntropy.perSample(logits: head(features), labels: labels).mean()
    guard data.task == .hybrid else { return crossEntropy }
    let dimension = batch.count / batch.shape[0]
    let logLikelihood = (StandardNormal.logDensity(output.value) + output.logDeterminant).mean()
    let bitsPerDimension = BitsPerDimension.loss(meanLogLikelihood: logLikelihood, dimension: dimension)
    return bitsPerDimension * Float(data.densityWeight * Double(dimension)) + crossEntropy * Float(1 / log(2.0))
  }
}
