import Foundation
import Harness
import LipFlowCLI

/// The `lipflow` executable `swift test` built beside the test runner.
let lipflowExecutable: String = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
  .appendingPathComponent("lipflow").path

/// Two toy runs that train in well under a second each.
let tinySpec = """
  experiment: {name: tiny}
  seed: 5
  models:
    resflow: {family: resflow, blocks: 2, hidden: [16, 16], coefficient: 0.9}
    idensenet:
      family: idensenet
      blocks: 2
      depth: 2
      growth: 8
      coefficient: 0.9
      concatenation: {coefficient: 0.98, learnable: true, start: 5}
  datasets:
    moons: {kind: toy, distribution: 2moons}
    mnist: {kind: mnist, path: /nonexistent/mnist}
  training:
    iterations: 12
    batch_size: 64
    optimizer: {name: adam, learning_rate: 1.0e-3}
    checkpoint_every: 4
    log_every: 4
  evaluation: {every: 6, test_samples: 300, test_seed: 11}
  table:
    rows: [resflow, idensenet]
    columns: [moons]
  """

/// What a command printed and its exit status.
struct CommandResult: CustomStringConvertible {
  var status: Int32
  var output: [String]
  var errors: [String]

  var description: String { "status \(status)\nstdout:\n\(output.joined(separator: "\n"))\nstderr:\n\(errors.joined(separator: "\n"))" }
}

/// Collects lines from several threads.
final class LineCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var collected: [String] = []

  func append(_ line: String) {
    lock.lock()
    collected.append(line)
    lock.unlock()
  }

  var lines: [String] {
    lock.lock()
    defer { lock.unlock() }
    return collected
  }
}

/// Runs `lipflow` in this process with `arguments`, capturing what it prints.
func lipflow(_ arguments: [String]) -> CommandResult {
  let output = LineCollector()
  let errors = LineCollector()
  let console = Console(output: { output.append($0) }, error: { errors.append($0) })
  let status = Console.$current.withValue(console) { LipFlowCommand.run(arguments: arguments) }
  return CommandResult(status: status, output: output.lines, errors: errors.lines)
}

/// Runs the `lipflow` executable as a child process (working directory `directory`, `input` on
/// its standard input) and waits for it, at most `timeout` seconds (then it is killed).
@discardableResult
func spawnLipflow(_ arguments: [String], in directory: String, input: Data? = nil, timeout: Double = 120) throws -> (status: Int32, output: String) {
  let process = try startLipflow(arguments, in: directory, input: input)
  let deadline = Date().addingTimeInterval(timeout)
  while process.process.isRunning && Date() < deadline { usleep(20_000) }
  if process.process.isRunning { kill(process.process.processIdentifier, SIGKILL) }
  process.process.waitUntilExit()
  let output = (try? String(contentsOfFile: process.log, encoding: .utf8)) ?? ""
  return (process.process.terminationStatus, output)
}

/// Starts the `lipflow` executable; its standard output and error go to the returned log file.
func startLipflow(_ arguments: [String], in directory: String, input: Data? = nil) throws -> (process: Process, log: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: lipflowExecutable)
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  let log = directory + "/.log-\(UInt32.random(in: 0...UInt32.max))"
  _ = FileManager.default.createFile(atPath: log, contents: nil)
  let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
  process.standardOutput = handle
  process.standardError = handle
  let pipe = Pipe()
  process.standardInput = pipe
  try process.run()
  if let input { try pipe.fileHandleForWriting.write(contentsOf: input) }
  try pipe.fileHandleForWriting.close()
  return (process, log)
}

/// Waits until `condition` holds, at most `timeout` seconds; returns whether it did.
func waitUntil(timeout: Double = 60, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(timeout)
  while Date() < deadline {
    if condition() { return true }
    usleep(20_000)
  }
  return condition()
}

/// The child processes of `pid` (Linux).
func children(of pid: Int32) -> [Int32] {
  let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
  return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
}
