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

  /// Prints `bench <name> <value> <unit>`, then `    # <note>` when there is a note.
  static func report(_ name: String, _ value: Double, _ unit: String, _ note: String = "") {
    let formatted = String(format: value >= 100 ? "%.1f" : "%.3f", value)
    print("bench \(name) \(formatted) \(unit)\(note.isEmpty ? "" : "    # \(note)")")
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
