import FlowCore

/// The result of a flow's forward pass: y = f(x) and log|det ∂f/∂x| per sample, `[batch]`.
public struct FlowOutput {
  /// f(x), same leading (batch) axis as x.
  public var value: Variable
  /// log|det ∂f/∂x| for each sample, `[batch]`.
  public var logDeterminant: Variable
}
