import FlowCore
import Foundation

/// The logit transform of dequantised pixels in [0, 1] (Dinh et al. 2017; residual-flows
/// `LogitTransform`): s = α + (1 − 2α)x, y = log s − log(1 − s), with
/// log-det = Σ [log(1 − 2α) − log(s − s²)]. α = 1e-6 for MNIST, 0.05 for CIFAR10.
public final class LogitTransform: Flow {
  public let name: String
  /// α.
  public let alpha: Float

  /// Creates the transform.
  public init(name: String, alpha: Float) {
    precondition(alpha >= 0 && alpha < 0.5, "Logit α must be in [0, 0.5), got \(alpha)")
    self.name = name
    self.alpha = alpha
  }

  public var parameters: [Parameter] { [] }
  public var lipschitzLayers: [any LipschitzLayer] { [] }
  public var concatenationLayers: [any ConcatenationLayer] { [] }

  public func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput {
    let s = input * (1 - 2 * alpha) + alpha
    let oneMinus = 1 - s
    let output = s.log() - oneMinus.log()
    let perElement = (s * oneMinus).log() * -1 + Float(Foundation.log(Double(1 - 2 * alpha)))
    return FlowOutput(value: output, logDeterminant: sumPerSample(perElement))
  }

  public func inverse(_ output: Tensor) throws -> Tensor {
    (output.sigmoid() - alpha) * (1 / (1 - 2 * alpha))
  }
}
