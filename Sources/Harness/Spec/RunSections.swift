/// What the runs of one row and column share: the sections of their configuration that no sweep
/// axis changes are read once, for the first point, and reused for the others.
final class RunSections {
  /// The top-level run keys some sweep axis starts with.
  let swept: Set<String>
  /// Parameter counts shared by the whole plan.
  let counts: ParameterCounts
  private var read: [String: Any] = [:]

  /// Sections for a row and column, given the sweep's axes.
  init(axes: [SweepAxis], counts: ParameterCounts) {
    swept = Set(axes.compactMap(\.path.first))
    self.counts = counts
  }

  /// Whether some sweep axis changes the section `key`.
  func isSwept(_ key: String) -> Bool { swept.contains(key) }

  /// The value `reading` gives from the sections `keys`: read once when no axis changes any of
  /// them, else read for every point.
  func read<Value>(_ keys: [String], _ reading: () throws -> Value) throws -> Value {
    guard swept.isDisjoint(with: keys) else { return try reading() }
    let name = keys.joined(separator: "+")
    if let known = read[name] as? Value { return known }
    let value = try reading()
    read[name] = value
    return value
  }
}
