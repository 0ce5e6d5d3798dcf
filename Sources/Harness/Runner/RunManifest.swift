import Foundation

/// Where a run stands.
public enum RunStatus: String, Codable, Sendable {
  /// Training (or killed while training: a rerun resumes it).
  case running
  /// Finished; `eval.json` holds its numbers.
  case completed
  /// Stopped by SIGINT/SIGTERM after saving a checkpoint; a rerun resumes it.
  case interrupted
  /// Failed (non-finite loss, inverse not converging, ...); `error` says why. A rerun retries it.
  case failed
  /// Not trainable by this version (see `error`).
  case notRun = "not-run"
}

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

/// Facts about the machine and source tree, recorded in manifests.
public enum Provenance {
  /// `host (CPU model, N logical CPUs), OS`.
  public static var host: String {
    let name = ProcessInfo.processInfo.hostName
    var cpu = "unknown CPU"
    if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
      let colon = line.firstIndex(of: ":")
    {
      cpu = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return "\(name) (\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) logical CPUs), \(ProcessInfo.processInfo.operatingSystemVersionString)"
  }

  /// Now, ISO 8601 UTC.
  public static var now: String { ISO8601DateFormatter().string(from: Date()) }

  /// FNV-1a 64 of `text`, hex.
  public static func hash(_ text: String) -> String {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      value ^= UInt64(byte)
      value = value &* 0x100_0000_01b3
    }
    return String(format: "%016llx", value)
  }
}

/// One line of `metrics.csv`.
public struct MetricRow: Equatable, Sendable {
  /// Iterations completed.
  public var iteration: Int
  /// Mean training loss (−log-likelihood per sample, estimated) since the previous row.
  public var loss: Double
  /// Test NLL when evaluated at this iteration.
  public var testNLL: Double?
  /// Its standard error.
  public var testStandardError: Double?
  /// Training seconds so far (all sessions).
  public var seconds: Double

  /// The CSV header.
  public static let header = "iteration,loss,test_nll,test_nll_se,seconds"

  /// The CSV line (17 significant digits, so the numbers round-trip).
  public var line: String {
    func format(_ value: Double?) -> String { value.map { String(format: "%.17g", $0) } ?? "" }
    return "\(iteration),\(format(loss)),\(format(testNLL)),\(format(testStandardError)),\(String(format: "%.3f", seconds))"
  }

  /// Parses a CSV line; nil for a malformed (for example half-written) line.
  public init?(line: String) {
    let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard fields.count == 5, let iteration = Int(fields[0]), let loss = Double(fields[1]), let seconds = Double(fields[4]) else { return nil }
    self.init(iteration: iteration, loss: loss, testNLL: Double(fields[2]), testStandardError: Double(fields[3]), seconds: seconds)
  }

  /// Creates a row.
  public init(iteration: Int, loss: Double, testNLL: Double?, testStandardError: Double?, seconds: Double) {
    self.iteration = iteration
    self.loss = loss
    self.testNLL = testNLL
    self.testStandardError = testStandardError
    self.seconds = seconds
  }

  /// Reads `metrics.csv`, keeping well-formed rows.
  public static func read(path: String) -> [MetricRow] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").dropFirst().compactMap { MetricRow(line: String($0)) }
  }

  /// Writes `metrics.csv` atomically.
  public static func write(_ rows: [MetricRow], path: String) throws {
    try AtomicFile.write(([header] + rows.map(\.line)).joined(separator: "\n") + "\n", to: path)
  }
}

/// `eval.json`: the final numbers of a run.
public struct RunEvaluation: Codable, Equatable, Sendable {
  /// The run identifier.
  public var run: String
  /// Model and dataset names.
  public var model: String
  public var dataset: String
  /// Iterations trained.
  public var iterations: Int
  /// Test negative log-likelihood (mean over the final test samples).
  public var testNLL: Double
  /// Its standard error.
  public var testStandardError: Double
  /// `nats` or `bits/dim`.
  public var unit: String
  /// Test samples and their seed.
  public var testSamples: Int
  public var testSeed: UInt64
  /// The distribution's entropy (a lower bound on any model's NLL), toy data only.
  public var entropy: Double?
  /// Learned concatenation weights `[block][layer] = [η̂₁, η̂₂]`, for dense models.
  public var concatenationWeights: [[[Double]]]?
  /// Trainable numbers of the model.
  public var parameters: Int
  /// Passes over the training images (image runs).
  public var epochs: Double? = nil
  /// The directory the images were read from (image runs).
  public var dataPath: String? = nil

  /// Reads `eval.json` from a run directory, nil when absent.
  public static func read(directory: String) throws -> RunEvaluation? {
    let path = directory + "/eval.json"
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    do { return try JSONDecoder().decode(RunEvaluation.self, from: data) } catch {
      throw HarnessError.io(path: path, reason: "unreadable evaluation (\(DecodingFailure.describe(error)))")
    }
  }
}
