/// The run a checkpoint belongs to: its identifier and the hash of its resolved configuration.
public struct CheckpointOwner: Codable, Equatable, Sendable, CustomStringConvertible {
  /// The run identifier.
  public var run: String
  /// ``Provenance/hash(_:)`` of the run's resolved `spec.yaml`.
  public var specHash: String

  /// Creates an owner.
  public init(run: String, specHash: String) {
    self.run = run
    self.specHash = specHash
  }

  /// `run resflow-moons (spec hash 0123…)`.
  public var description: String { "run \(run) (spec hash \(specHash))" }
}
