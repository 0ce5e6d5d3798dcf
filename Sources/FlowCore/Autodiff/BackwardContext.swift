/// Whether a backward pass records its own graph.
public enum BackwardMode: Sendable {
  /// Gradients are constants (PyTorch's `create_graph=False`). Backward rules may use fused,
  /// non-differentiable kernels.
  case firstOrder
  /// Gradients are graph nodes that can be differentiated again (`create_graph=True`).
  case differentiable
}

/// A backward rule: given the context, returns one gradient per input, or nil for an input that
/// needs none.
public typealias BackwardRule = (BackwardContext) -> [Variable?]

/// What a backward rule sees.
///
/// In ``BackwardMode/firstOrder`` mode ``inputs``, ``output`` and ``upstream`` are constants, so
/// a rule written with differentiable operations records nothing. In
/// ``BackwardMode/differentiable`` mode they are the graph's own nodes.
public struct BackwardContext {
  /// The gradient of the differentiated quantity with respect to the operation's output.
  public let upstream: Variable
  /// The operation's inputs.
  public let inputs: [Variable]
  /// The operation's output.
  public let output: Variable
  /// Whether the rule's results must themselves be differentiable.
  public let mode: BackwardMode
  let wanted: [Bool]

  /// Whether the gradient for input `index` is needed (false when no target depends on it).
  public func needs(_ index: Int) -> Bool { wanted[index] }
}
