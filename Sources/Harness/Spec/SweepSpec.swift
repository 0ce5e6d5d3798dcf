import Foundation

/// The declared sweep of a spec: the global axes (`sweep`), each model's own axes
/// (`models.<name>.sweep`) and the replicate seeds (`seeds`).
///
/// ```yaml
/// sweep: {model.coefficient: [0.93, 0.98]}   # every row
/// models:
///   idensenet:
///     sweep: {model.depth: [2, 3]}             # the idensenet row only
/// seeds: [0, 1]                                # replicates of every cell
/// ```
///
/// The runs of a model on a column are the cartesian product of, in this order (first axis
/// slowest): the global axes, then the model's own axes, then the replicate seeds. A model without
/// a `sweep` block has exactly the runs it had before per-model sweeps existed. A key path may be
/// swept globally or by a model, not both; `seed` may not be swept anywhere when `seeds` is given.
public struct SweepSpec {
  /// The global `sweep` block.
  let global: SweepReader
  /// Each model's `sweep` block, by model name (models without one are absent).
  let perModel: [String: SweepReader]
  /// The `seeds` block.
  let replicates: ReplicateSeeds

  /// The global axes, in declared order (without the replicate seeds).
  public var axes: [SweepAxis] { global.axes }
  /// The axes of each model's own `sweep` block, by model name.
  public var modelAxes: [String: [SweepAxis]] { perModel.mapValues(\.axes) }
  /// The replicate seeds, in declared order; empty without `seeds`.
  public var seeds: [Int] { replicates.seeds }

  /// Reads `sweep` and `seeds` of `spec`, then `sweep` of every model under `models` (in file order).
  init(spec: SpecMapping, models: SpecMapping) throws {
    global = try SweepReader(spec.optional("sweep"))
    replicates = try ReplicateSeeds(spec.optional("seeds"))
    try replicates.checkNotSwept(by: global)
    var perModel: [String: SweepReader] = [:]
    for name in models.keys {
      let modelSweep = try models.required(name).mapping(allowedKeys: ModelSpec.keys).optional("sweep")
      guard let modelSweep else { continue }
      let reader = try SweepReader(modelSweep)
      try SweepSpec.checkDisjoint(reader, from: global)
      try replicates.checkNotSwept(by: reader)
      perModel[name] = reader
    }
    self.perModel = perModel
  }

  /// The axes the runs of model `name` vary along: global, the model's own, then the seeds.
  public func axes(forModel name: String) -> [SweepAxis] { reader(forModel: name).axes }

  /// ``axes(forModel:)`` with the location of each axis.
  func reader(forModel name: String) -> SweepReader {
    let own = perModel[name].map { global.appending($0) } ?? global
    return own.appending(replicates)
  }

  /// Throws, located at the model's axis, when a model sweeps a key path the global sweep sweeps too.
  static func checkDisjoint(_ model: SweepReader, from global: SweepReader) throws {
    for (axis, located) in zip(model.axes, model.axisNodes) {
      guard let shared = global.axes.firstIndex(where: { $0.path == axis.path }) else { continue }
      let path = axis.path.joined(separator: ".")
      throw located.error(
        "'\(path)' is swept both here and by the global sweep (\(global.axisNodes[shared].keyPath)); "
          + "allowed: each key path in one of them (sweep: every row; models.<name>.sweep: that model's row)")
    }
  }

  /// Throws when the runs of `rows` × `columns` exceed ``SpecLimits/maximumRuns``, counted
  /// before anything is expanded; located at the sweep (or at `table` without one).
  func checkRunCount(rows: [String], columns: Int, table: SpecNode) throws {
    let rowPoints = rows.reduce(0.0) { $0 + reader(forModel: $1).pointCount }
    let runs = Double(columns) * rowPoints
    guard runs > Double(SpecLimits.maximumRuns) else { return }
    let count = { (value: Double) in value < 1e18 ? String(Int(value)) : String(format: "%.3g", value) }
    let columnCount = "\(columns) column\(columns == 1 ? "" : "s")"
    let uniform = global.appending(replicates)
    let detail: String
    if perModel.isEmpty {
      let points = uniform.pointCount
      let parts = "\(rows.count) row\(rows.count == 1 ? "" : "s") × \(columnCount)"
      detail = uniform.node == nil ? parts : parts + " × \(count(points)) sweep point\(points == 1 ? "" : "s")"
    } else {
      detail = "\(columnCount) × \(count(rowPoints)) rows with their sweep points"
    }
    let location = uniform.node ?? rows.lazy.compactMap { perModel[$0]?.node }.first ?? table
    throw location.error("\(count(runs)) runs (\(detail)); allowed: at most \(SpecLimits.maximumRuns) runs")
  }
}
