import Foundation
import Yams

/// Reads a spec's `sweep` block: key paths into a run, each with a non-empty list of distinct values.
struct SweepReader {
  /// The axes, in declared order.
  let axes: [SweepAxis]
  /// Each axis's key node (`sweep.model.depth`), for errors about its runs.
  let axisNodes: [SpecNode]
  /// The block itself, nil without a sweep.
  let node: SpecNode?

  /// Reads `node` (the value of `sweep`, or nil).
  init(_ node: SpecNode?) throws {
    self.node = node
    guard let node else { (axes, axisNodes) = ([], []); return }
    guard case .mapping(let entries) = node.node else { throw node.error("expected a mapping of key.path: [values]") }
    var (axes, axisNodes): ([SweepAxis], [SpecNode]) = ([], [])
    for (key, values) in entries {
      let text = key.scalar?.string ?? ""
      let located = SpecNode(node: key, keyPath: "sweep.\(text)", file: node.file)
      axes.append(SweepAxis(path: try SweepReader.path(text, at: located), values: try SweepReader.values(values, of: located)))
      axisNodes.append(located)
    }
    (self.axes, self.axisNodes) = (axes, axisNodes)
  }

  private init(axes: [SweepAxis], axisNodes: [SpecNode], node: SpecNode?) {
    (self.axes, self.axisNodes, self.node) = (axes, axisNodes, node)
  }

  /// This sweep with the replicate seeds as its last (fastest-varying) axis, located at `seeds`.
  func appending(_ replicates: ReplicateSeeds) -> SweepReader {
    guard let axis = replicates.axis, let located = replicates.node else { return self }
    return SweepReader(axes: axes + [axis], axisNodes: axisNodes + [located], node: node ?? located)
  }

  /// The key path of an axis, which must start with a key of a run.
  static func path(_ text: String, at located: SpecNode) throws -> [String] {
    let path = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard path.allSatisfy({ !$0.isEmpty }), let first = path.first else { throw located.error("expected a key path such as model.depth") }
    guard RunSpec.keys.contains(first) else {
      var message = "a sweep axis is a key path into a run (\(RunSpec.keys.joined(separator: ", "))), not '\(first)'"
      if let suggestion = SpecNode.nearest(first, in: RunSpec.keys) { message += "; did you mean '\(suggestion)'?" }
      throw located.error(message)
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

  /// Throws when `rows` × `columns` × the sweep's points exceed ``SpecLimits/maximumRuns``,
  /// counted before anything is expanded; located at the sweep (or at `table` without one).
  func checkRunCount(rows: Int, columns: Int, table: SpecNode) throws {
    let points = axes.reduce(1.0) { $0 * Double($1.values.count) }
    let runs = Double(rows) * Double(columns) * points
    guard runs > Double(SpecLimits.maximumRuns) else { return }
    let count = { (value: Double) in value < 1e18 ? String(Int(value)) : String(format: "%.3g", value) }
    let parts = "\(rows) row\(rows == 1 ? "" : "s") × \(columns) column\(columns == 1 ? "" : "s")"
    let detail = node == nil ? parts : parts + " × \(count(points)) sweep point\(points == 1 ? "" : "s")"
    throw (node ?? table).error("\(count(runs)) runs (\(detail)); allowed: at most \(SpecLimits.maximumRuns) runs")
  }
}
