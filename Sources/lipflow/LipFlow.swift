import ArgumentParser
import FlowCore

/// The `lipflow` command: experiments on Lipschitz-constrained invertible flows.
@main
struct LipFlow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lipflow",
    abstract: "Train and evaluate i-ResNets, Residual Flows and i-DenseNets from YAML specs.",
    version: "0.1.0")
}
