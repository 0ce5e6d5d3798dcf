/// A gradient that a first-order backward pass holds alone, so that the next gradient sent to the
/// same variable is added into it in place rather than into a fresh tensor: by the rule's own
/// kernel (``BackwardContext/gradient(_:product:_:transposeA:transposeB:shape:)``,
/// ``BackwardContext/gradient(_:padding:offset:width:scaledBy:)``, the swish kernels) or else by
/// ``adding(_:)`` (``GradientAccumulation/inPlace``).
///
/// Sums that pass through an operation unchanged share one tensor between several variables
/// (the two gradients of a + b are the upstream itself); such a tensor is never taken, since
/// writing it would change the others.
struct GradientAccumulator {
  /// The gradient accumulated so far; nothing outside the pass refers to its storage.
  let tensor: Tensor

  /// Takes the gradient out of `variable` (setting it to nil) when nothing else refers to the
  /// variable or to its storage; otherwise leaves `variable` holding the same value and returns nil.
  static func take(from variable: inout Variable?) -> GradientAccumulator? {
    guard variable != nil, isKnownUniquelyReferenced(&variable) else { return nil }
    var tensor = variable!.value
    variable = nil
    guard tensor.isUniquelyOwned() else {
      variable = Variable(tensor)
      return nil
    }
    return GradientAccumulator(tensor: tensor)
  }

  /// The accumulated gradient once `gradient` is added: in place; nothing to add when the rule
  /// already added it (it returned this tensor); this tensor when the rule sent none.
  func adding(_ gradient: Variable?) -> Variable {
    guard let gradient, gradient.value.pointer != tensor.pointer else { return gradient ?? Variable(tensor) }
    tensor.addProductInPlace(gradient.value, scale: 1)
    return Variable(tensor)
  }
}
