import FlowCore

/// The network g of a residual block F(x) = x + g(x); every layer is Lipschitz-constrained so
/// that Lip(g) < 1. Maps `[..., d] → [..., d]`.
public protocol ResidualBranch: AnyObject, LipschitzConstrained, ConcatenationWeighted {
  /// g(x).
  func callAsFunction(_ input: Variable) -> Variable
  /// The trainable parameters, in a fixed order.
  var parameters: [Parameter] { get }
}
