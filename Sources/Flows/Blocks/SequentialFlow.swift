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

  public func applyConcatenationSchedule(afterIteration iteration: Int) {
    for flow in flows { flow.applyConcatenationSchedule(afterIteration: iteration) }
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
