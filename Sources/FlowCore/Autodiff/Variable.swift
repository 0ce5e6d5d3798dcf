/// A node of a reverse-mode computation graph: a tensor value and, unless it is a constant or a
/// leaf, the operation that produced it.
///
/// Operations on variables record themselves only when an input requires a gradient, so code that
/// runs on constants builds no graph. Backward rules are written with these same operations;
/// with ``BackwardMode/differentiable`` the backward pass is itself recorded and can be
/// differentiated again (the Jacobian-vector products inside log-determinant estimators need
/// this: design.md §3).
public final class Variable {
  /// The value computed in the forward pass.
  public let value: Tensor
  /// Whether gradients flow into this variable: true for trainable leaves and for every result
  /// of an operation with such an input.
  public let requiresGradient: Bool
  private(set) var operation: Operation?

  /// A leaf: a constant (`requiresGradient: false`) or an input to differentiate with respect to.
  public init(_ value: Tensor, requiresGradient: Bool = false) {
    self.value = value
    self.requiresGradient = requiresGradient
    self.operation = nil
  }

  init(value: Tensor, operation: Operation) {
    self.value = value
    self.requiresGradient = true
    self.operation = operation
  }

  /// Releases the graph behind this node iteratively. ARC would otherwise release a chain of n
  /// operations through n nested deinitialisers, and the graphs of long power series or deep
  /// flows would overflow a thread's stack.
  deinit {
    guard var pending = operation?.inputs else { return }
    operation = nil
    while var node = pending.popLast() {
      if isKnownUniquelyReferenced(&node), let inputs = node.operation?.inputs {
        pending.append(contentsOf: inputs)
        node.operation = nil
      }
    }
  }

  /// The shape of ``value``.
  public var shape: [Int] { value.shape }

  /// A constant with the same value, cut from the graph.
  public var detached: Variable { Variable(value) }

  /// Records the result of an operation: a graph node when any input requires a gradient,
  /// otherwise a constant.
  ///
  /// - Parameters:
  ///   - value: the forward result.
  ///   - name: the operation's name, for diagnostics.
  ///   - inputs: the variables the value depends on, in the order `backward` returns gradients.
  ///   - backward: the vector-Jacobian product of the operation (see ``BackwardContext``).
  public static func record(
    _ value: Tensor, name: StaticString, inputs: [Variable], backward: @escaping BackwardRule
  ) -> Variable {
    guard inputs.contains(where: \.requiresGradient) else { return Variable(value) }
    return Variable(value: value, operation: Operation(name: name, inputs: inputs, backward: backward))
  }
}

/// A recorded operation: its inputs and backward rule.
struct Operation {
  let name: StaticString
  let inputs: [Variable]
  let backward: BackwardRule
}

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
