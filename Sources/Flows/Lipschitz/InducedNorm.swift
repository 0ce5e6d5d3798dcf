import FlowCore

/// Where one side (domain or codomain) of a Lipschitz layer takes its norm order from.
public enum NormOrderSource {
  /// A fixed order.
  case fixed(NormOrder)
  /// A learned order, shared with the neighbouring layer on the same boundary.
  case learned(LearnedNormOrder)

  /// The order now.
  public var order: NormOrder {
    switch self {
    case .fixed(let order): return order
    case .learned(let learned): return learned.order
    }
  }

  /// The order as a scalar graph node `[]` (a constant when fixed).
  var orderVariable: Variable {
    switch self {
    case .fixed(let order): return Variable(Tensor(order.exponent))
    case .learned(let learned): return learned.orderVariable
    }
  }

  /// The learned order, if any.
  public var learnedOrder: LearnedNormOrder? {
    if case .learned(let learned) = self { return learned }
    return nil
  }
}

/// The norms a Lipschitz layer W is measured in: σ estimates the induced norm
/// ‖W‖_{p→q} = max_{‖x‖_p = 1} ‖Wx‖_q with p the domain's order and q the codomain's
/// (Chen et al. 2019, §3.4). ``spectral`` (2 → 2) is the spectral norm.
public struct InducedNorm {
  /// The domain's order p.
  public var domain: NormOrderSource
  /// The codomain's order q.
  public var codomain: NormOrderSource

  /// Creates the pair.
  public init(domain: NormOrderSource, codomain: NormOrderSource) {
    self.domain = domain
    self.codomain = codomain
  }

  /// 2 → 2.
  public static var spectral: InducedNorm { InducedNorm(domain: .fixed(.two), codomain: .fixed(.two)) }

  /// The orders now, (p, q).
  public var orders: (domain: NormOrder, codomain: NormOrder) { (domain.order, codomain.order) }

  /// Whether both orders are fixed at 2 (the spectral-norm layers of every earlier version, whose
  /// numbers this keeps bit for bit).
  public var isSpectral: Bool {
    if case .fixed(.two) = domain, case .fixed(.two) = codomain { return true }
    return false
  }

  /// Whether either order is learned.
  public var isLearned: Bool { domain.learnedOrder != nil || codomain.learnedOrder != nil }

  /// One power-iteration step for a linear map `apply` with adjoint `adjoint` from (u, v):
  /// u ← direction(W v) in the unit sphere of q*, v ← direction(Wᵀu) in that of p
  /// (``HolderDual``; u first, as the reference).
  func step(from v: Tensor, apply: (Tensor) -> Tensor, adjoint: (Tensor) -> Tensor) -> (Tensor, Tensor) {
    let (p, q) = orders
    let u = HolderDual.direction(of: apply(v), unitIn: q.conjugate)
    return (u, HolderDual.direction(of: adjoint(u), unitIn: p))
  }

  /// The reference's `compute_one_iter` as a graph node on the learned orders: one step from v
  /// with the weight held constant, then σ = uᵀWv. Its gradient reaches only the orders.
  func orderSensitiveEstimate(from v: Tensor, apply: (Variable) -> Variable, adjoint: (Variable) -> Variable) -> Variable {
    let (p, q) = (domain.orderVariable, codomain.orderVariable)
    let u = HolderDual.direction(of: apply(Variable(v)), unitIn: q / (q - 1))
    let next = HolderDual.direction(of: adjoint(u), unitIn: p)
    return (u * apply(next)).sum()
  }
}

extension InducedNorm {
  /// The one-hot index with the largest norm when the maximum of ‖Wx‖_q over ‖x‖_p = 1 is at a
  /// one-hot vector: for p = 1 the column j of largest ‖W eⱼ‖_q (`.column(j)`), for q = ∞ the row
  /// i of largest ‖Wᵀeᵢ‖_{p*} (`.row(i)`); nil otherwise. `columns` and `rows` list the entries
  /// of each candidate (the reference's closed-form `LopLinear`, kept in power-iteration form so
  /// that σ = uᵀWv still carries the gradient).
  func largestOneHot(columns: () -> [[Float]], rows: () -> [[Float]]) -> OneHotChoice? {
    let (p, q) = orders
    func largest(_ candidates: [[Float]], in order: NormOrder) -> Int {
      let norms = candidates.map { order.norm($0) }
      return norms.indices.max { norms[$0] < norms[$1] } ?? 0
    }
    if p == .one { return .column(largest(columns(), in: q)) }
    if q == .infinity { return .row(largest(rows(), in: p.conjugate)) }
    return nil
  }
}

/// Which one-hot vector attains an induced norm with p = 1 (a column) or q = ∞ (a row).
enum OneHotChoice: Equatable {
  /// v = eⱼ.
  case column(Int)
  /// u = eᵢ.
  case row(Int)
}
