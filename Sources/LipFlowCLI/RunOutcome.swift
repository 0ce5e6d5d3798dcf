import Foundation
import Harness

/// How one run of a `run` command ended, as the summary and the exit status see it.
public enum RunOutcome: Equatable, Sendable {
  /// Finished (now or before).
  case completed
  /// Stopped on request with a checkpoint.
  case interrupted
  /// Failed; the manifest records why.
  case failed(String)
  /// Its data is missing.
  case notRun(String)
  /// Another process owns the run directory.
  case busy(String)
  /// Could not be trained at all (a file problem, an unreadable manifest).
  case error(String)

  /// The exit status a worker process reports the outcome with.
  var workerStatus: Int32 {
    switch self {
    case .completed: return 0
    case .failed: return 1
    case .notRun: return 3
    case .error: return 4
    case .busy: return 75
    case .interrupted: return 130
    }
  }

  /// The outcome a worker's exit status stands for.
  init(workerStatus status: Int32) {
    switch status {
    case 0: self = .completed
    case 3: self = .notRun("its data is missing (see the worker's log)")
    case 75: self = .busy("another process owns the run directory")
    case 130: self = .interrupted
    case 4: self = .error("the worker could not train it (see its log)")
    default: self = .failed("the worker exited with status \(status)")
    }
  }

  /// Trains `run` with `trainer` in this process, printing its start, progress and end.
  static func train(
    _ run: RunSpec, with trainer: RunTrainer, position: String, progress style: ProgressStyle, shouldStop: () -> Bool
  ) -> RunOutcome {
    let printer = ProgressPrinter(style: style, position: position)
    say("[\(position)] \(run.identifier): \(run.training.iterations) iterations")
    do {
      let outcome = try trainer.train(shouldStop: shouldStop, progress: { printer.show($0) }, log: { say("[\(position)] \($0)") })
      printer.finish()
      return report(outcome, run: run, position: position)
    } catch {
      printer.finish()
      printError("error: \(run.identifier): \(error)")
      return .error("\(error)")
    }
  }

  static func report(_ outcome: TrainingOutcome, run: RunSpec, position: String) -> RunOutcome {
    switch outcome {
    case .completed(let evaluation):
      let accuracy = evaluation.testAccuracy.map { String(format: ", accuracy %.2f %%", 100 * $0) } ?? ""
      say(String(format: "[%@] %@: completed, test NLL %.4f ± %.4f %@", position, run.identifier, evaluation.testNLL, evaluation.testStandardError, evaluation.unit) + accuracy)
      return .completed
    case .interrupted(let iteration):
      say("[\(position)] \(run.identifier): interrupted at iteration \(iteration), checkpoint saved")
      return .interrupted
    case .failed(let reason):
      say("[\(position)] \(run.identifier): failed: \(reason)")
      return .failed(reason)
    case .notRun(let reason):
      say("[\(position)] \(run.identifier): not run: \(reason)")
      return .notRun(reason)
    case .busy(let holder):
      say("[\(position)] \(run.identifier): skipped: the run directory is \(holder)")
      return .busy("\(holder)")
    }
  }
}
