import FlowCore

/// The norms along a residual branch g = Lₙ ∘ … ∘ L₁ (with elementwise 1-Lipschitz activations
/// between, which are 1-Lipschitz in every p-norm): layer i maps ‖·‖_{pᵢ} → ‖·‖_{pᵢ₊₁}, so that
/// Lip(g) ≤ Π ‖Wᵢ‖_{pᵢ→pᵢ₊₁} in ‖·‖_{p₀} → ‖·‖_{pₙ} (Chen et al. 2019, §3.4). With p₀ = pₙ the
/// block x + g(x) is invertible by fixed-point iteration in that norm.
public enum BranchNorms: Sendable, Equatable {
  /// Every order 2: spectral normalisation (the default, unchanged from earlier versions).
  case spectral
  /// The orders p₀, …, pₙ of the n + 1 boundaries: the reference's `vnorms` string read one
  /// character per boundary (`--vnorms 1f1`: layer 0 maps ‖·‖₁ → ‖·‖_∞, layer 1 maps
  /// ‖·‖_∞ → ‖·‖₁). The reference pairs domains `ps[:-1]` with codomains `ps[1:]`.
  case fixed([NormOrder])
  /// Learned orders, each starting at 2 (the reference's `--learn-p`).
  case learned(NormSharing)

  /// The norms of a branch of `layers` layers named `name`, and the learned orders it owns
  /// (their parameters are `<name>.order<i>`). Learned per layer as the reference: layer i maps
  /// θᵢ → θᵢ₊₁ and the last layer θₙ₋₁ → θ₀, so that the branch's codomain is its domain.
  public func layerNorms(layers: Int, name: String) -> (norms: [InducedNorm], orders: [LearnedNormOrder]) {
    switch self {
    case .spectral:
      return (Array(repeating: .spectral, count: layers), [])
    case .fixed(let orders):
      precondition(orders.count == layers + 1, "\(name): \(orders.count) norm orders for \(layers) layers; expected \(layers + 1)")
      return ((0..<layers).map { InducedNorm(domain: .fixed(orders[$0]), codomain: .fixed(orders[$0 + 1])) }, [])
    case .learned(let sharing):
      let count = sharing == .perLayer ? layers : 1
      let learned = (0..<count).map { LearnedNormOrder(name: "\(name).order\($0)") }
      let norms = (0..<layers).map { index in
        InducedNorm(domain: .learned(learned[index % count]), codomain: .learned(learned[(index + 1) % count]))
      }
      return (norms, learned)
    }
  }

  /// The number of learned scalars of a branch of `layers` layers.
  public func learnedCount(layers: Int) -> Int {
    guard case .learned(let sharing) = self else { return 0 }
    return sharing == .perLayer ? layers : 1
  }
}

/// How learned norm orders are shared within a residual branch.
public enum NormSharing: String, Sendable, CaseIterable {
  /// One order per layer boundary (the reference's `--mixed True`, its default).
  case perLayer = "per_layer"
  /// One order for every boundary of the branch (`--mixed False`).
  case perBlock = "per_block"
}
