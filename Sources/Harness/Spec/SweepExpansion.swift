import Foundation
import Yams

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
