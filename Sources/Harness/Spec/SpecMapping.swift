/// The checked entries of a spec mapping.
public struct SpecMapping {
  let owner: SpecNode
  let entries: [(key: String, keyNode: SpecNode, value: SpecNode)]

  /// The keys present, in file order.
  public var keys: [String] { entries.map(\.key) }

  /// The value of `key`, which must be present.
  public func required(_ key: String) throws -> SpecNode {
    guard let value = optional(key) else { throw owner.error("missing required key '\(key)'") }
    return value
  }

  /// The value of `key`, or nil.
  public func optional(_ key: String) -> SpecNode? {
    entries.first { $0.key == key }?.value
  }
}
