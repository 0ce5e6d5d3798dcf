/// Checks of names that become file or directory names (experiment, profile, model and dataset
/// names, run identifiers): one path component each, which cannot climb out of its parent.
public enum PathComponent {
  /// What makes `name` unusable as one path component, or nil when it is usable: empty, `.` or
  /// `..`, a `/`, a NUL or another control character, or more than `maximumBytes` UTF-8 bytes.
  public static func problem(in name: String, maximumBytes: Int) -> String? {
    if name.isEmpty { return "is empty" }
    if name == "." || name == ".." { return "is a directory reference" }
    if name.contains("/") { return "contains '/'" }
    if name.unicodeScalars.contains(where: isControl) { return "contains a control character" }
    if name.utf8.count > maximumBytes { return "is \(name.utf8.count) bytes long" }
    return nil
  }

  /// Throws an error located at `node` when `name` is not a usable path component, or has a
  /// character outside `characters`: "`what` '`name`' `problem`; allowed: `allowed`".
  public static func validate(
    _ name: String, what: String, at node: SpecNode, allowed: String, maximumBytes: Int = SpecLimits.maximumNameBytes,
    characters: (Character) -> Bool = { _ in true }
  ) throws {
    var problem = problem(in: name, maximumBytes: maximumBytes)
    if problem == nil, let character = name.first(where: { !characters($0) }) { problem = "contains '\(character)'" }
    guard let problem else { return }
    throw node.error("\(what) '\(printable(name))' \(problem); allowed: \(allowed)")
  }

  /// Whether `scalar` is a control character (general category Cc: U+0000–U+001F, U+007F–U+009F).
  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }

  /// `text` with control characters written as `\u{…}` escapes, so that an error stays one line.
  public static func printable(_ text: String) -> String {
    text.unicodeScalars.map { scalar in
      isControl(scalar) ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
    }.joined()
  }
}
