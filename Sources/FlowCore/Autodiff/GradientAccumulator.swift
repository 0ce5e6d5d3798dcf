/// A gradient that a first-order backward pass holds alone, so that the next gradient sent to the
/// same variable can be added into it in place (``BackwardContext/gradient(_:product:_:transposeA:transposeB:shape:)``
/// folds a matrix product into it; any other gradient is added by `Gradients.of`), rather than
/// into a fresh tensor.
///
/// Sums that pass through an operation unchanged share one tensor between several variables
/// (the two gradients of a + b are the upstream itself); such a tensor is never taken, since
/// writing it would change the others.
struct GradientAccumulator {
  /// The gradient accumulated so far; nothing outside the pass refers to its storage.
  let tensor: Tensor

  /// Takes the gradient out of `variable` (setting it to nil) when nothing else refers to the
  /// variable or to its storage; otherwise leaves `variable` as it was and returns nil.
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
