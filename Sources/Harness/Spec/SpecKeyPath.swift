/// Dotted key paths (`training.iterations`, `models.resflow.image.hidden`): the one parser used
/// by `--set`, profiles, sweep axes and the key paths that locate errors.
public enum SpecKeyPath {
  /// The keys of `text` split at the dots, nil when it is empty or has an empty key (`a..b`, `.a`).
  public static func components(_ text: String) -> [String]? {
    let keys = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    return keys.allSatisfy({ !$0.isEmpty }) ? keys : nil
  }

  /// `parent.key`, or `key` at the root (an empty parent).
  public static func appending(_ key: String, to parent: String) -> String {
    parent.isEmpty ? key : parent + "." + key
  }
}
