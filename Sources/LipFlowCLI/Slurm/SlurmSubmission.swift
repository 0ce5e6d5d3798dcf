import Foundation
import Harness

/// One submission of a sweep to Slurm: the array job, its tasks' runs in task order, and the
/// report job. Kept in `<runs>/<experiment>/<profile>/slurm/submissions.json` so that a
/// resubmission and `lipflow status` know which tasks are still queued or running.
struct SlurmSubmission: Codable, Equatable {
  /// The array job id.
  var arrayJob: String
  /// The report job id.
  var reportJob: String?
  /// Task index → run identifier.
  var runs: [String]
  /// The batch script submitted.
  var script: String
  /// When, ISO 8601 UTC.
  var submitted: String

  /// The submissions recorded in `folder`, oldest first.
  static func read(folder: String) throws -> [SlurmSubmission] {
    let path = folder + "/submissions.json"
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    do { return try JSONDecoder().decode([SlurmSubmission].self, from: data) } catch {
      throw HarnessError.io(path: path, reason: "unreadable submission record (\(DecodingFailure.describe(error)))")
    }
  }

  /// Records `submission` after those already in `folder`.
  static func append(_ submission: SlurmSubmission, folder: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(try encoder.encode(try read(folder: folder) + [submission]), to: folder + "/submissions.json")
  }

  /// The Slurm state of each run's newest task still known to Slurm, by run identifier.
  static func queuedStates(folder: String) -> [String: (job: String, state: String)] {
    var states: [String: (job: String, state: String)] = [:]
    for submission in (try? read(folder: folder)) ?? [] {
      for (index, state) in SlurmClient.taskStates(ofArray: submission.arrayJob) where submission.runs.indices.contains(index) {
        states[submission.runs[index]] = ("\(submission.arrayJob)_\(index)", state)
      }
    }
    return states
  }

  /// Each run's newest task and its state: from `squeue` while queued or running, else from
  /// `scontrol show job` (which remembers ended jobs for `MinJobAge` seconds), else `unknown`.
  static func newestStates(folder: String) -> [String: (job: String, state: String)] {
    let queued = queuedStates(folder: folder)
    var states: [String: (job: String, state: String)] = [:]
    for submission in (try? read(folder: folder)) ?? [] {
      for (index, run) in submission.runs.enumerated() { states[run] = ("\(submission.arrayJob)_\(index)", "") }
    }
    for (run, task) in states {
      states[run] = queued[run] ?? (task.job, SlurmClient.state(ofJob: task.job) ?? "unknown (no longer known to Slurm)")
    }
    return states
  }

  /// The Slurm states that mean a task will still train (or is training) its run.
  static let activeStates: Set<String> = ["PENDING", "RUNNING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED"]
}
