import ArgumentParser
import Foundation
import Harness

/// `lipflow worker`: trains the one run whose ``RunOrder`` arrives on standard input. `lipflow
/// run --jobs N` starts these; the parent resolved the spec, so a worker never reads it. The
/// exit status is ``RunOutcome/workerStatus``. A worker stops with a checkpoint on SIGINT or
/// SIGTERM, and also when its parent is gone, so that no orphan keeps training.
struct WorkerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worker", abstract: "Train one run handed over on standard input (started by 'lipflow run --jobs N').",
    shouldDisplay: false)

  @Option(help: "Threads of this process.")
  var threads = 1

  @Option(help: "Progress display: auto, bar, lines, none.")
  var progress: ProgressStyle = .lines

  @Option(help: "The parent's process id: stop with a checkpoint when the parent is gone.")
  var parent: Int32?

  @Option(help: "The position shown in log lines, such as 3/15.")
  var position = "1/1"

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
  }

  func run() throws {
    Interruption.install(secondSignal: .isIgnored)
    let order = try RunOrder.decode(FileHandle.standardInput.readDataToEndOfFile(), source: "<standard input of lipflow worker>")
    let run = try order.runSpec()
    let trainer = RunTrainer(run, order: order, threads: threads, figures: .draw)
    let parent = self.parent
    let outcome = RunOutcome.train(run, with: trainer, position: position, progress: progress) {
      Interruption.isRequested || (parent.map { getppid() != $0 } ?? false)
    }
    if outcome.workerStatus != 0 { throw ExitCode(outcome.workerStatus) }
  }
}
