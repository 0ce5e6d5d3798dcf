import Foundation
import Harness

/// Measured step times, one measurement per distinct model and training configuration (the
/// dataset does not change the cost of a toy step).
struct StepTimer {
  let threads: Int
  var measured: [String: Double] = [:]

  init(threads: Int) {
    self.threads = threads
  }

  mutating func secondsPerIteration(of run: RunSpec) -> Double {
    let key = run.resolvedYAML.replacingOccurrences(of: run.data.name, with: "")
    if let known = measured[key] { return known }
    let seconds = RunTrainer.secondsPerIteration(of: run, threads: threads)
    measured[key] = seconds
    return seconds
  }
}
