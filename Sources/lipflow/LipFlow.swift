import ArgumentParser
import FlowCore

/// The `lipflow` command: experiments on Lipschitz-constrained invertible flows.
@main
struct LipFlow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lipflow",
    abstract: "Train and evaluate i-ResNets, Residual Flows and i-DenseNets from YAML specs.",
    discussion: "The spec format is described in README.md (section 'Experiment specs'); examples are in experiments/.",
    version: "0.2.0",
    subcommands: [ValidateCommand.self, RunCommand.self, ReportCommand.self])
}
