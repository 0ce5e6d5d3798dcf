import Yams

/// The spec key `seeds`: the seeds every cell of the table is trained with, as replicates.
///
/// ```yaml
/// seeds: [0, 1, 2]
/// ```
///
/// Each cell then runs once per seed, exactly as a last sweep axis `seed: [0, 1, 2]` would (the
/// same run identifiers, `<row>-<column>-seed=1`, and the same resolved `spec.yaml` per run, so
/// runs already trained by such a sweep are reused), but the report treats the seeds as
/// repetitions of one cell instead of as rows: mean ± standard deviation over the seeds, and
/// differences between rows paired by seed. The top-level `seed` is then unused.
struct ReplicateSeeds {
  /// The seeds, in declared order; empty without `seeds`.
  let seeds: [Int]
  /// The `seeds` node, for errors about its runs; nil without it.
  let node: SpecNode?

  /// Reads `node` (the value of `seeds`, or nil): a non-empty list of distinct non-negative
  /// integers. No sweep may sweep `seed` as well (``checkNotSwept(by:)``).
  init(_ node: SpecNode?) throws {
    self.node = node
    guard let node else { seeds = []; return }
    let items = node.isSequence ? try node.sequence() : []
    guard !items.isEmpty else { throw node.error("expected a non-empty list of seeds, such as [0, 1, 2]") }
    var seen: Set<Int> = []
    seeds = try items.map { item in
      let seed = try item.integer(in: 0...Int.max)
      guard seen.insert(seed).inserted else { throw item.error("the seed \(seed) is listed twice; allowed: distinct seeds") }
      return seed
    }
  }

  /// Throws, located at the axis, when `sweep` sweeps `seed` while seeds are listed.
  func checkNotSwept(by sweep: SweepReader) throws {
    guard !seeds.isEmpty, let axis = sweep.axes.firstIndex(where: { $0.path == ["seed"] }) else { return }
    throw sweep.axisNodes[axis].error("'seed' is both swept and listed under 'seeds'; allowed: one of them (seeds: replicates of each cell; sweep: one row per seed)")
  }

  /// The sweep axis the seeds run as (`seed: [seeds]`), nil without `seeds`.
  var axis: SweepAxis? {
    seeds.isEmpty ? nil : SweepAxis(path: ["seed"], values: seeds.map { Node(String($0)) })
  }
}
