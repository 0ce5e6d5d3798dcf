import Yams

extension Node {
  /// Whether this tree has more than `limit` nodes when every alias is expanded (an alias counts
  /// the whole node it names, as every traversal would visit it). Stops as soon as it knows, so
  /// an alias bomb costs at most `limit` steps. libyaml bounds the nesting depth (1,000).
  func hasMoreNodes(than limit: Int) -> Bool {
    var remaining = limit
    return !fits(within: &remaining)
  }

  /// Whether this tree fits within `remaining` nodes, which it uses up.
  func fits(within remaining: inout Int) -> Bool {
    remaining -= 1
    guard remaining >= 0 else { return false }
    switch self {
    case .scalar, .alias:
      return true
    case .sequence(let sequence):
      return sequence.allSatisfy { $0.fits(within: &remaining) }
    case .mapping(let mapping):
      return mapping.allSatisfy { $0.key.fits(within: &remaining) && $0.value.fits(within: &remaining) }
    }
  }
}

extension SpecLoader {
  /// The message of a tree beyond ``SpecLimits/maximumNodes``, for `what` ("the spec", "the value").
  static func tooManyNodes(_ what: String) -> String {
    "\(what) has more than \(SpecLimits.maximumNodes) nodes once its aliases are expanded; allowed: at most \(SpecLimits.maximumNodes) (an alias repeats the node it names)"
  }

  /// Throws when `root` has more than ``SpecLimits/maximumNodes`` nodes with aliases expanded,
  /// located at the top-level key whose value crosses the limit.
  static func checkNodeCount(_ root: SpecNode) throws {
    guard case .mapping(let mapping) = root.node else {
      if root.node.hasMoreNodes(than: SpecLimits.maximumNodes) { throw root.error(tooManyNodes("the spec")) }
      return
    }
    var remaining = SpecLimits.maximumNodes - 1
    for (key, value) in mapping where !(key.fits(within: &remaining) && value.fits(within: &remaining)) {
      throw SpecNode(node: key, keyPath: key.scalar?.string ?? "", file: root.file).error(tooManyNodes("the spec"))
    }
  }
}
