import ArgumentParser
import FlowCore
import Foundation

/// The `lipflow` command: experiments on Lipschitz-constrained invertible flows.
@main
struct LipFlow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lipflow",
    abstract: "Train and evaluate i-ResNets, Residual Flows and i-DenseNets from YAML specs.",
    discussion: "The spec format is described in README.md (section 'Experiment specs'); examples are in experiments/.",
    version: "0.2.0",
    subcommands: [ValidateCommand.self, RunCommand.self, ReportCommand.self])

  /// Line-buffered standard output, so that logs of worker processes and their parent interleave
  /// by whole lines in a file or pipe.
  static func main() {
    setvbuf(stdout, nil, _IOLBF, 0)
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: error)
    }
  }
}
