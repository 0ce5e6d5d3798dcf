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
