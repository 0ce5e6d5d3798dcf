import FlowCore
import Foundation

/// The standard normal base distribution N(0, I).
public enum StandardNormal {
  /// log N(z; 0, I) per sample: −½‖z‖² − (d/2)·log 2π, `[batch]`.
  public static func logDensity(_ z: Variable) -> Variable {
    let dimension = Float(z.value.count / max(z.shape[0], 1))
    return sumPerSample(z.squared()) * -0.5 - dimension * 0.5 * Float(Foundation.log(2 * Double.pi))
  }

  /// Samples `[count, shape…]`.
  public static func sample(count: Int, shape: [Int], random: inout RandomStream) -> Tensor {
    Tensor.randomNormal(shape: [count] + shape, stream: &random)
  }
}
