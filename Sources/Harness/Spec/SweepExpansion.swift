import Foundation
import Yams

/// One axis of a sweep: a key path and the values it takes, in declared order.
public struct SweepAxis: Equatable {
  /// The dotted key path (`model.depth`, `seed`).
  public let path: [String]
  /// The values, in the order written.
  public let values: [Node]

  /// Creates an axis.
  public init(path: [String], values: [Node]) {
    precondition(!values.isEmpty, "A sweep axis needs at least one value")
    self.path = path
    self.values = values
  }
}

/// One point of an expanded sweep.
public struct SweepPoint: Equatable {
  /// 0-based position in the expansion.
  public let index: Int
  /// The assignments that define it, one per axis, in axis order.
  public let assignments: [SpecOverride]
  /// A stable, readable identifier: `007-model.depth=4-model.growth=90`.
  public let runIdentifier: String
}

/// Cartesian expansion of sweep axes in declared order: the first axis varies slowest, as nested
/// loops written in the same order (and as Hydra's basic sweeper).
public enum SweepExpansion {
  /// Every combination of the axes' values; a sweep without axes has one point.
  public static func expand(_ axes: [SweepAxis]) -> [SweepPoint] {
    var combinations: [[SpecOverride]] = [[]]
    for axis in axes {
      combinations = combinations.flatMap { prefix in axis.values.map { prefix + [SpecOverride(path: axis.path, value: $0)] } }
    }
    let width = max(3, String(max(combinations.count - 1, 0)).count)
    return combinations.enumerated().map { index, assignments in
      let number = String(repeating: "0", count: max(0, width - String(index).count)) + String(index)
      let name = ([number] + assignments.map { slug($0.description) }).joined(separator: "-")
      return SweepPoint(index: index, assignments: assignments, runIdentifier: name)
    }
  }

  /// Keeps letters, digits and `.=_+-`; everything else becomes `_` (safe in file names). Signs
  /// are kept so that `1.0e-3` and `1.0e+3` stay apart; plans still refuse two runs with one name.
  static func slug(_ text: String) -> String {
    String(text.map { $0.isLetter || $0.isNumber || ".=_+-".contains($0) ? $0 : "_" })
  }
}
