/// Rescaling of gradients by their global norm (PyTorch's `clip_grad_norm_`).
public enum GradientClipping {
  /// The Euclidean norm of all gradients together, accumulated in Double in a fixed order.
  public static func globalNorm(_ gradients: [Tensor]) -> Float {
    var total: Double = 0
    for gradient in gradients {
      gradient.withUnsafeBufferPointer { values in
        for value in values { total += Double(value) * Double(value) }
      }
    }
    return Float(total.squareRoot())
  }

  /// Scales all gradients by `maximumNorm / (norm + 1e-6)` when that factor is below 1, and
  /// returns the norm before clipping.
  @discardableResult
  public static func clipByGlobalNorm(_ gradients: inout [Tensor], maximumNorm: Float) -> Float {
    precondition(maximumNorm > 0, "Maximum gradient norm must be positive, got \(maximumNorm)")
    let norm = globalNorm(gradients)
    let factor = maximumNorm / (norm + 1e-6)
    if factor < 1 {
      for index in gradients.indices { gradients[index] = gradients[index] * factor }
    }
    return norm
  }
}
