/// The bounds a spec must keep to, checked before anything runs, so that a spec that validates
/// cannot then exhaust the machine or crash the trainer.
public enum SpecLimits {
  /// Experiment, profile, model and dataset names, in UTF-8 bytes (they become directory names).
  public static let maximumNameBytes = 100
  /// Run identifiers, in UTF-8 bytes: a directory name, with room for suffixes within the usual
  /// 255-byte limit of a file name.
  public static let maximumRunIdentifierBytes = 200
  /// The spec file, in bytes (a 50,000-value sweep list is about 400 KB).
  public static let maximumSourceBytes = 4 * 1024 * 1024
  /// YAML nodes of the spec, or of one `--set` value, with aliases expanded (each use of an alias
  /// counts the whole node it names): a few kilobytes of nested aliases can otherwise stand for
  /// billions of nodes.
  public static let maximumNodes = 100_000
  /// Runs of one plan: rows × columns × sweep points.
  public static let maximumRuns = 50_000
  /// Trainable parameters of one model.
  public static let maximumParameters = 100_000_000
  /// Bytes of training memory per parameter, for the estimate in messages: 4-byte floats for the
  /// weights, their gradients, Adam's two moments and the exponential moving average.
  public static let trainingBytesPerParameter = 4 * 5
  /// Optimizer steps of one run, given directly or resolved from epochs.
  public static let maximumIterations = 100_000_000
}
