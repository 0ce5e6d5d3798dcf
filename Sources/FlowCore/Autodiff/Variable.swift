/// A node of a reverse-mode computation graph: a tensor value and, unless it is a constant or a
/// leaf, the operation that produced it.
///
/// Operations on variables record themselves only when an input requires a gradient, so code that
/// runs on constants builds no graph. Backward rules are written with these same operations;
/// with ``BackwardMode/differentiable`` the backward pass is itself recorded and can be
/// differentiated again (the Jacobian-vector products inside log-determinant estimators need
/// this: README.md, 'Autodiff').
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

  /// Whether this variable is a leaf (a constant or an input), not the result of a recorded operation.
  public var isLeaf: Bool { operation == nil }

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
  ///   - valueUse: whether `backward` reads `value` (through ``BackwardContext/output`` or a
  ///     capture); the default says it may.
  ///   - backward: the vector-Jacobian product of the operation (see ``BackwardContext``).
  public static func record(
    _ value: Tensor, name: StaticString, inputs: [Variable], valueUse: ValueUse = .readByBackward,
    backward: @escaping BackwardRule
  ) -> Variable {
    guard inputs.contains(where: \.requiresGradient) else { return Variable(value) }
    return Variable(value: value, operation: Operation(name: name, inputs: inputs, valueUse: valueUse, backward: backward))
  }
}

/// Whether an operation's backward rule reads the value the operation computed.
public enum ValueUse: Sendable {
  /// The rule may read it (the default: exp, square root and division do).
  case readByBackward
  /// The rule reads only its inputs, the upstream gradient and what it captured, never the value:
  /// a differentiable backward pass may then add a product into the storage of such a gradient
  /// that it alone refers to (``Gradients/of(_:withRespectTo:seed:mode:accumulation:)``).
  case notReadByBackward
}

/// A recorded operation: its inputs and backward rule.
struct Operation {
  let name: StaticString
  let inputs: [Variable]
  let valueUse: ValueUse
  let backward: BackwardRule
}
