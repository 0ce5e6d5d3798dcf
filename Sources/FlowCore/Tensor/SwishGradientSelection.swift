/// Which first-order gradients ``SwishKernels/gradients(order:input:slope:scale:multiplier:upstream:selection:)``
/// computes: those of the multiplier w, the input x and the slope β.
public struct SwishGradientSelection: OptionSet, Sendable {
  public let rawValue: UInt8

  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// ∂/∂w, `[same shape as x]`; computed only when there is a multiplier.
  public static let multiplier = SwishGradientSelection(rawValue: 1 << 0)
  /// ∂/∂x, `[same shape as x]`.
  public static let input = SwishGradientSelection(rawValue: 1 << 1)
  /// ∂/∂β, a scalar.
  public static let slope = SwishGradientSelection(rawValue: 1 << 2)
}
