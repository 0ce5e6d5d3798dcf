import FlowCore
import Foundation

/// Bits per dimension of dequantised 8-bit images, the image metric of Table 1: with the pixels
/// scaled to [0, 1) the density of the discrete image is p(x)·256^−D, so
/// bits/dim = −(log p(x) − D·ln 256)/(D·ln 2) for log p(x) in nats and D = height·width·channels.
/// Both forms live here: the evaluation's (Double, per image) and the training loss's (Float,
/// differentiable, on the batch mean).
public enum BitsPerDimension {
  /// Bits per dimension of one image from its log-density in nats.
  public static func of(logLikelihood: Double, dimension: Int) -> Double {
    -(logLikelihood - Double(dimension) * log(256.0)) / (Double(dimension) * log(2.0))
  }

  /// The training loss: bits per dimension of the batch's mean log-density `meanLogLikelihood`
  /// (a scalar `[]`, nats), differentiable.
  public static func loss(meanLogLikelihood: Variable, dimension: Int) -> Variable {
    let dimension = Float(dimension)
    return (meanLogLikelihood - dimension * Float(log(256.0))) * (-1 / (dimension * Float(log(2.0))))
  }
}
