import Foundation

/// `manifest.json` of a run directory: what produced the numbers beside it.
public struct RunManifest: Codable, Equatable, Sendable {
  /// The run identifier.
  public var run: String
  /// `experiment.name`.
  public var experiment: String
  /// The spec file as given on the command line.
  public var specFile: String
  /// FNV-1a 64 of the run's resolved `spec.yaml`: a rerun with another configuration is refused.
  public var specHash: String
  /// The profile.
  public var profile: String
  /// Profile and command-line overrides, as `key.path=value`.
  public var overrides: [String]
  /// The sweep coordinates of this run.
  public var sweep: [String]
  /// The seed.
  public var seed: UInt64
  /// `git rev-parse HEAD` of the source tree, with `-dirty` when it had uncommitted changes.
  public var commit: String
  /// Host name, CPU model and logical CPUs, OS.
  public var host: String
  /// What computed the run's matrix products (``GemmBackend/libraryDescription``), one entry
  /// per change in session order: more than one means the run was resumed with another library
  /// build or CPU core, so its later iterations may differ in their last bits from an
  /// uninterrupted run. Absent in manifests written by builds before this field.
  public var matrixProducts: [String]?
  /// Worker threads of the training process.
  public var threads: Int
  /// First start, ISO 8601 UTC.
  public var started: String
  /// Last end, ISO 8601 UTC (nil while running).
  public var ended: String?
  /// Seconds spent training over all sessions (resumes add up).
  public var wallSeconds: Double
  /// How many processes worked on the run (1 + resumes).
  public var sessions: Int
  /// Every session in order, with what ran it and the iterations it kept (``RunSession``); the
  /// fields ``commit``, ``host`` and ``threads`` above are the latest session's. Absent in
  /// manifests written by builds before this field, and lists only the sessions since then.
  public var sessionHistory: [RunSession]?
  /// Where the run stands.
  public var status: RunStatus
  /// Why it failed or was not run.
  public var error: String?
  /// Iterations completed so far.
  public var iterationsCompleted: Int
  /// Iterations asked for.
  public var iterations: Int
  /// Trainable numbers of the model.
  public var parameters: Int?
  /// The budget match that chose the growth, if any.
  public var budgetMatch: BudgetMatch?

  /// Reads a manifest, nil when absent.
  public static func read(directory: String) throws -> RunManifest? {
    let path = directory + "/manifest.json"
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    do { return try JSONDecoder().decode(RunManifest.self, from: data) } catch {
      throw HarnessError.io(path: path, reason: "unreadable manifest (\(DecodingFailure.describe(error)))")
    }
  }

  /// Writes the manifest atomically.
  public func write(directory: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(try encoder.encode(self), to: directory + "/manifest.json")
  }
}
