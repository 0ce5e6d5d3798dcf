import FlowCore
import Foundation

/// Space-to-depth as a flow: `[N, H, W, C] → [N, H/2, W/2, 4C]`, log-det 0.
public final class SqueezeFlow: Flow {
  public let name: String
  /// Creates the layer.
  public init(name: String) { self.name = name }
  public var parameters: [Parameter] { [] }
  public var lipschitzLayers: [any LipschitzLayer] { [] }
  public var concatenationLayers: [any ConcatenationLayer] { [] }

  public func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput {
    FlowOutput(value: input.squeezed(), logDeterminant: Variable(Tensor.zeros([input.shape[0]])))
  }

  public func inverse(_ output: Tensor) throws -> Tensor { output.unsqueezed() }
}
