/// A ``TrainingState`` that cannot be captured from or restored into a model, with the name of
/// what does not fit.
public enum TrainingStateError: Error, Equatable, CustomStringConvertible {
  /// What kind of named part.
  public enum Part: String, Sendable {
    case parameter
    case lipschitzLayer = "Lipschitz layer"
    case actNorm = "ActNorm layer"
  }

  /// Two parts of the model share a name, so their states could be swapped.
  case duplicateName(Part, String)
  /// A part of the model has an empty name.
  case emptyName(Part)
  /// The state belongs to another run or configuration.
  case otherOwner(found: CheckpointOwner, expected: CheckpointOwner)
  /// The model has a part the state does not.
  case missing(Part, String)
  /// The state has a part the model does not.
  case unknown(Part, String)
  /// A part's saved tensor does not fit the model's.
  case misfit(Part, String, reason: String)

  /// One line naming the part.
  public var description: String {
    switch self {
    case .duplicateName(let part, let name): return "two \(part.rawValue)s are named \(name); names must be unique within a model"
    case .emptyName(let part): return "a \(part.rawValue) has an empty name"
    case .otherOwner(let found, let expected): return "it belongs to \(found), not to \(expected)"
    case .missing(let part, let name): return "missing \(part.rawValue) \(name)"
    case .unknown(let part, let name): return "\(part.rawValue) \(name) is not in this model"
    case .misfit(let part, let name, let reason): return "\(part.rawValue) \(name) does not fit: \(reason)"
    }
  }
}
