import Dispatch
import Foundation

/// Timing and printing helpers shared by every figure of `lipflow-bench`.
enum BenchReport {
  /// Seconds on the monotonic clock.
  static func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

  /// Median wall time of `body` over `repetitions` runs after `warmup` runs.
  static func medianTime(repetitions: Int, warmup: Int = 2, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<repetitions {
      let start = seconds()
      body()
      times.append(seconds() - start)
    }
    return times.sorted()[times.count / 2]
  }

  /// Least wall time of `body` over `repetitions` runs after `warmup` runs.
  static func minimumTime(repetitions: Int, warmup: Int = 2, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var best = Double.infinity
    for _ in 0..<repetitions {
      let start = seconds()
      body()
      best = min(best, seconds() - start)
    }
    return best
  }

  /// Prints `bench <name> <value> <unit>`, then `    # <note>` when there is a note.
  static func report(_ name: String, _ value: Double, _ unit: String, _ note: String = "") {
    let formatted = String(format: value >= 100 ? "%.1f" : "%.3f", value)
    say("bench \(name) \(formatted) \(unit)\(note.isEmpty ? "" : "    # \(note)")")
  }

  /// Writes one line to standard output at once (unbuffered, so that the lines of this process
  /// and of the child processes whose output it echoes stay in order).
  static func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
  }

  /// The value of the line `bench <name> <value> ...` in `output`, if there is one.
  static func value(of name: String, in output: String) -> Double? {
    for line in output.split(separator: "\n") {
      let fields = line.split(separator: " ")
      if fields.count >= 3, fields[0] == "bench", fields[1] == name { return Double(fields[2]) }
    }
    return nil
  }

  /// Peak resident memory of this process so far, in MB (Linux `VmHWM`).
  static func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return .nan }
    let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
    return kilobytes / 1024
  }
}
