import Yams

extension Node {
  /// This node with `overlay` laid over it: mappings merge key by key (recursively), anything else
  /// is replaced. Nodes keep their marks, so errors still point into the spec file.
  func overlaid(with overlay: Node) -> Node {
    guard case .mapping(let base) = self, case .mapping(let top) = overlay else { return overlay }
    var entries = Array(base)
    for (key, value) in top {
      if let index = entries.firstIndex(where: { $0.key.scalar?.string == key.scalar?.string }) {
        entries[index] = (entries[index].key, entries[index].value.overlaid(with: value))
      } else {
        entries.append((key, value))
      }
    }
    return .mapping(Node.Mapping(entries, base.tag, base.style, base.mark))
  }

  /// This mapping without the entries named `keys` (anything else unchanged).
  func removingKeys(_ keys: [String]) -> Node {
    guard case .mapping(let base) = self else { return self }
    return .mapping(Node.Mapping(base.filter { !keys.contains($0.key.scalar?.string ?? "") }, base.tag, base.style, base.mark))
  }

  /// The value under `key` of a mapping.
  func value(forKey key: String) -> Node? {
    guard case .mapping(let base) = self else { return nil }
    return base.first { $0.key.scalar?.string == key }?.value
  }
}
