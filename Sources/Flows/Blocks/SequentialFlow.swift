import FlowCore
import Foundation

/// Flows applied one after the other; log-determinants add, the inverse runs backwards.
public final class SequentialFlow: Flow {
  public let name: String
  /// The flows, input side first.
  public let flows: [any Flow]

  /// Composes `flows` (input side first).
  public init(name: String = "model", _ flows: [any Flow]) {
    self.name = name
    self.flows = flows
  }

  public var parameters: [Parameter] { flows.flatMap(\.parameters) }
  public var lipschitzLayers: [any LipschitzLayer] { flows.flatMap(\.lipschitzLayers) }
  public var concatenationLayers: [any ConcatenationLayer] { flows.flatMap(\.concatenationLayers) }

  public func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput {
    var value = input
    var total: Variable? = nil
    for flow in flows {
      let output = flow.forward(value, context: &context)
      value = output.value
      total = total.map { $0 + output.logDeterminant } ?? output.logDeterminant
    }
    return FlowOutput(value: value, logDeterminant: total ?? Variable(Tensor.zeros([input.shape[0]])))
  }

  public func inverse(_ output: Tensor) throws -> Tensor {
    var value = output
    for flow in flows.reversed() { value = try flow.inverse(value) }
    return value
  }


  /// `count` samples x = f⁻¹(z), z ~ N(0, I) of shape `[count] + latentShape`.
  /// - Throws: ``FlowError/inverseDidNotConverge(block:iterations:residual:)``.
  public func sample(count: Int, latentShape: [Int], random: inout RandomStream) throws -> Tensor {
    try inverse(StandardNormal.sample(count: count, shape: latentShape, random: &random))
  }

  /// log p(x) = log N(f(x); 0, I) + Σ log-determinants, per sample `[batch]`, in nats.
  public func logLikelihood(_ input: Variable, context: inout FlowContext) -> Variable {
    let output = forward(input, context: &context)
    return StandardNormal.logDensity(output.value) + output.logDeterminant
  }
}
