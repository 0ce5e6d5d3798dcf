/// What kind of data a dataset definition names.
public enum DatasetKind: String, CaseIterable, Sendable {
  /// A 2-D toy distribution sampled fresh for every batch.
  case toy
  /// MNIST (IDX files).
  case mnist
  /// CIFAR10 (binary batches).
  case cifar10
}

/// A named dataset: one column of a table (spec key `datasets.<name>`).
///
/// ```yaml
/// moons: {label: 2 moons, kind: toy, distribution: 2moons}
/// mnist: {label: MNIST, kind: mnist, path: data/mnist}
/// ```
public struct DatasetSpec: Equatable, Sendable {
  /// The key under `datasets`.
  public var name: String
  /// The column label in tables.
  public var label: String
  /// The kind.
  public var kind: DatasetKind
  /// The toy distribution (kind `toy`).
  public var distribution: ToyDistribution?
  /// Where the files are (image kinds).
  public var path: String?

  /// The keys allowed under `datasets.<name>`.
  public static let keys = ["label", "kind", "distribution", "path"]

  /// Reads a dataset definition strictly.
  public init(name: String, node: SpecNode) throws {
    let mapping = try node.mapping(allowedKeys: DatasetSpec.keys)
    self.name = name
    label = try mapping.optional("label")?.string() ?? name
    kind = try mapping.required("kind").choice(DatasetKind.self)
    switch kind {
    case .toy:
      distribution = try mapping.required("distribution").choice(ToyDistribution.self)
      if let path = mapping.optional("path") { throw path.error("'path' does not apply to toy data (it is sampled, not read)") }
      path = nil
    case .mnist, .cifar10:
      if let distribution = mapping.optional("distribution") { throw distribution.error("'distribution' applies only to kind toy") }
      distribution = nil
      path = try mapping.optional("path")?.string()
    }
  }

  /// The unit of the table cells: nats for toy data, bits/dim for images.
  public var unit: String { kind == .toy ? "nats" : "bits/dim" }
}
