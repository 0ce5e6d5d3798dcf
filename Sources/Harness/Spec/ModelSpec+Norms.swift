import FlowCore
import Flows

/// Reading `vnorms` and `learn_p`: the norms the Lipschitz layers are measured in (Chen et al.
/// 2019, §3.4; the reference's `--vnorms`, `--learn-p`, `--mixed`).
///
/// ```yaml
/// vnorms: "2f22f2"      # one order per boundary of the branch: input, each hidden width, output
/// learn_p: per_layer    # or per_block; fixed (the default) uses vnorms
/// ```
///
/// `vnorms` has one character per boundary along a residual branch: `1`…`9` is that p, `f` is ∞.
/// As the reference pairs `ps[:-1]` with `ps[1:]`, layer i (of n = hidden widths + 1) maps
/// ‖·‖_{pᵢ} → ‖·‖_{pᵢ₊₁}: `1f1` on one hidden layer is 1 → ∞ then ∞ → 1. The string therefore has
/// n + 1 characters (toy default 6 for four hidden widths, as `train_toy.py`'s `222222`; images
/// 4 for the 3-1-3 kernels, as `train_img.py`'s `2222`, and it applies to the fully connected
/// blocks as well, which must then have as many layers). Its first and last orders must be equal,
/// so that g is a contraction in one norm. Absent or all `2`: spectral normalisation, exactly as
/// before.
extension ModelSpec {
  /// `learn_p` values.
  enum NormLearningChoice: String, CaseIterable {
    /// The orders of `vnorms` (all 2 without it).
    case fixed
    /// One learned order per layer boundary (`--learn-p True --mixed True`).
    case perLayer = "per_layer"
    /// One learned order per block (`--learn-p True --mixed False`).
    case perBlock = "per_block"
  }

  /// The norms of the model in `mapping` (a perceptron family with elementwise activations).
  static func norms(_ mapping: SpecMapping, family: ModelFamily, activation: ActivationKind, layers: Int) throws -> BranchNorms {
    let vnorms = mapping.optional("vnorms")
    let learning = try mapping.optional("learn_p")?.choice(NormLearningChoice.self) ?? .fixed
    let learnP = learning == .fixed ? nil : mapping.optional("learn_p")
    guard let (key, node) = vnorms.map({ ("vnorms", $0) }) ?? learnP.map({ ("learn_p", $0) }) else { return .spectral }
    if family == .idensenet {
      throw node.error("'\(key)' does not apply to family idensenet (its dense layers are bounded in the 2-norm); families: iresnet, resflow")
    }
    if activation == .concatenatedLipSwish {
      throw node.error("'\(key)' needs an elementwise activation (lipswish or elu); clipswish is 1-Lipschitz only in the 2-norm")
    }
    guard learning != .fixed else { return try fixedNorms(node, layers: layers) }
    if let vnorms {
      throw vnorms.error("'vnorms' does not apply with learn_p: \(learning.rawValue) (every learned order starts at 2); remove it or use learn_p: fixed")
    }
    return .learned(learning == .perLayer ? .perLayer : .perBlock)
  }

  /// `vnorms` for a branch of `layers` layers: `layers + 1` characters 1…9 or f, the first equal
  /// to the last; all 2 is ``BranchNorms/spectral``.
  static func fixedNorms(_ node: SpecNode, layers: Int) throws -> BranchNorms {
    let text = try node.string()
    var orders: [NormOrder] = []
    for (index, character) in text.enumerated() {
      guard let order = NormOrder(vnormsCharacter: character) else {
        throw node.error("'\(text)' has '\(character)' at position \(index + 1); allowed: one character per norm, 1-9 (p) or f (∞)")
      }
      orders.append(order)
    }
    guard orders.count == layers + 1 else {
      throw node.error("'\(text)' has \(orders.count) orders for \(layers) layers; allowed: \(layers + 1) characters, one per boundary (input, each hidden width, output)")
    }
    guard orders.first == orders.last else {
      throw node.error("'\(text)' starts with \(orders[0]) and ends with \(orders[layers]); allowed: the same first and last order (g must be a contraction in one norm)")
    }
    return orders.allSatisfy { $0 == .two } ? .spectral : .fixed(orders)
  }

  /// Checks that the norms fit the fully connected blocks of an image model on `data` (the
  /// reference uses the same `vnorms` for them); `node` is the model's definition.
  func checkNorms(on data: DatasetSpec, at node: SpecNode) throws {
    guard case .fixed(let orders) = norms, data.kind.geometry != nil, fullyConnectedBlocks > 0 else { return }
    let layers = fullyConnectedHidden.count + 1
    guard orders.count != layers + 1 else { return }
    let vnorms = try node.mapping(allowedKeys: ModelSpec.keys).required("vnorms")
    throw vnorms.error(
      "\(orders.count) orders, but the fully connected blocks on \(data.name) have \(layers) layers (fc_hidden \(fullyConnectedHidden)); "
        + "allowed: fc_hidden with \(orders.count - 2) widths, or fc_blocks: 0")
  }
}
