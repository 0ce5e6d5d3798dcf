/// A trainable tensor that layers list explicitly.
///
/// Its ``variable`` is the graph leaf used in forward passes; it is rebuilt whenever ``value``
/// changes, so gradients always refer to the current value.
public final class Parameter {
  /// A name for reports and checkpoints, unique within a model (for example `block3.linear1.weight`).
  public let name: String
  /// The current value. Assigning it (an optimizer step) replaces the graph leaf.
  public var value: Tensor {
    didSet {
      precondition(value.shape == oldValue.shape, "Parameter \(name) changed shape \(oldValue.shape) → \(value.shape)")
      cachedVariable = nil
    }
  }
  private var cachedVariable: Variable?

  /// Creates a parameter with an initial value.
  public init(name: String, value: Tensor) {
    self.name = name
    self.value = value
  }

  /// The leaf variable holding ``value``, requiring a gradient. The same object is returned until
  /// the value changes, so all uses in one forward pass accumulate into one gradient.
  public var variable: Variable {
    if let cachedVariable { return cachedVariable }
    let variable = Variable(value, requiresGradient: true)
    cachedVariable = variable
    return variable
  }

  /// The number of scalars.
  public var count: Int { value.count }
}
