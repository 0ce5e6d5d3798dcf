import Foundation
import Yams

/// Reads one `sweep` block (the global `sweep`, or `models.<name>.sweep`): key paths into a run,
/// each with a non-empty list of distinct values. Axes keep the order written.
struct SweepReader {
  /// The axes, in declared order.
  let axes: [SweepAxis]
  /// Each axis's key node (`sweep.model.depth`, `models.idensenet.sweep.model.depth`), for errors
  /// about its runs.
  let axisNodes: [SpecNode]
  /// The block itself, nil without a sweep.
  let node: SpecNode?

  /// Reads `node` (the value of a `sweep` key, or nil); axes are located under its key path.
  init(_ node: SpecNode?) throws {
    self.node = node
    guard let node else { (axes, axisNodes) = ([], []); return }
    guard case .mapping(let entries) = node.node else { throw node.error("expected a mapping of key.path: [values]") }
    var (axes, axisNodes): ([SweepAxis], [SpecNode]) = ([], [])
    for (key, values) in entries {
      let text = key.scalar?.string ?? ""
      let located = SpecNode(node: key, keyPath: SpecKeyPath.appending(text, to: node.keyPath), file: node.file)
      axes.append(SweepAxis(path: try SweepReader.path(text, at: located), values: try SweepReader.values(values, of: located)))
      axisNodes.append(located)
    }
    (self.axes, self.axisNodes) = (axes, axisNodes)
  }

  private init(axes: [SweepAxis], axisNodes: [SpecNode], node: SpecNode?) {
    (self.axes, self.axisNodes, self.node) = (axes, axisNodes, node)
  }

  /// This sweep's axes followed by `other`'s (a model's own axes after the global ones).
  func appending(_ other: SweepReader) -> SweepReader {
    SweepReader(axes: axes + other.axes, axisNodes: axisNodes + other.axisNodes, node: node ?? other.node)
  }

  /// This sweep with the replicate seeds as its last (fastest-varying) axis, located at `seeds`.
  func appending(_ replicates: ReplicateSeeds) -> SweepReader {
    guard let axis = replicates.axis, let located = replicates.node else { return self }
    return SweepReader(axes: axes + [axis], axisNodes: axisNodes + [located], node: node ?? located)
  }

  /// The number of points: the product of the axes' value counts (1 without axes), as a
  /// `Double` so that huge sweeps are counted without overflow.
  var pointCount: Double {
    axes.reduce(1.0) { $0 * Double($1.values.count) }
  }

  /// The key path of an axis, which must start with a key of a run.
  static func path(_ text: String, at located: SpecNode) throws -> [String] {
    guard let path = SpecKeyPath.components(text) else { throw located.error("expected a key path such as model.depth") }
    guard RunSpec.keys.contains(path[0]) else {
      throw located.error(
        "a sweep axis is a key path into a run (\(RunSpec.keys.joined(separator: ", "))), not '\(path[0])'" + Suggestion.didYouMean(path[0], among: RunSpec.keys))
    }
    return path
  }

  /// The values of an axis: a non-empty list without repetitions.
  static func values(_ values: Node, of located: SpecNode) throws -> [Node] {
    let list = SpecNode(node: values, keyPath: located.keyPath, file: located.file)
    let items = list.isSequence ? try list.sequence() : []
    guard !items.isEmpty else { throw list.error("expected a non-empty list of values") }
    var seen: Set<String> = []
    for item in items {
      let text = SpecOverride.render(item.node)
      guard seen.insert(text).inserted else { throw item.error("the value \(PathComponent.printable(text)) is listed twice; allowed: distinct values") }
    }
    return items.map(\.node)
  }
}
