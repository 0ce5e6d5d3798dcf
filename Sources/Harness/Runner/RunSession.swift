/// One process's work on a run, as its manifest records it (``RunManifest/sessionHistory``): what
/// ran it and which iterations it kept. A run interrupted and resumed has one per process, so a
/// result made over several sessions says which commit, host, thread count and matrix-product
/// library made which iterations.
public struct RunSession: Codable, Equatable, Sendable {
  /// `git rev-parse HEAD` of the build that ran the session (`-dirty` with uncommitted changes).
  public var commit: String
  /// Host name, CPU model and logical CPUs, OS.
  public var host: String
  /// Worker threads of the session's process.
  public var threads: Int
  /// What computed its matrix products (``GemmBackend/libraryDescription``).
  public var matrixProducts: String
  /// Start, ISO 8601 UTC.
  public var started: String
  /// End, ISO 8601 UTC (nil while it runs, or when its process was killed).
  public var ended: String?
  /// The iteration it started from: the newest checkpoint's (0 for the first session).
  public var fromIteration: Int
  /// The last iteration it kept: its newest checkpoint, or the end of training. Iterations it
  /// ran past its newest checkpoint before being stopped are run again by the next session.
  public var toIteration: Int
  /// Where the run stood when the session ended (nil while it runs).
  public var outcome: RunStatus?

  /// A session starting now at `iteration`.
  public init(commit: String, host: String, threads: Int, matrixProducts: String, started: String, fromIteration iteration: Int) {
    self.commit = commit
    self.host = host
    self.threads = threads
    self.matrixProducts = matrixProducts
    self.started = started
    self.ended = nil
    self.fromIteration = iteration
    self.toIteration = iteration
    self.outcome = nil
  }
}
