import ArgumentParser
import Foundation
import Harness

/// The `lipflow` command: experiments on Lipschitz-constrained invertible flows.
public struct LipFlowCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "lipflow",
    abstract: "Train and evaluate i-ResNets, Residual Flows and i-DenseNets from YAML specs.",
    discussion: "The spec format is described in README.md (section 'Experiment specs'); examples are in experiments/.",
    version: LipFlowVersion.current,
    subcommands: [
      ValidateCommand.self, RunCommand.self, StatusCommand.self, ReportCommand.self, ExportCommand.self, EvaluateCommand.self, SampleCommand.self,
      WorkerCommand.self,
    ])

  public init() {}

  /// Runs the command line of this process and exits with its status.
  public static func main() {
    Foundation.exit(run(arguments: Array(CommandLine.arguments.dropFirst())))
  }

  /// Parses and runs `arguments` (without the program name); returns the exit status. Every
  /// message goes to ``Console/current``.
  public static func run(arguments: [String]) -> Int32 {
    var command: ParsableCommand
    do {
      command = try parseAsRoot(arguments)
    } catch {
      let code = exitCode(for: error).rawValue
      let message = fullMessage(for: error)
      if !message.isEmpty { code == 0 ? say(message) : printError(message) }
      return code
    }
    do {
      try command.run()
      return ExitStatus.success
    } catch let exit as ExitCode {
      return exit.rawValue
    } catch {
      if let (status, message) = ExitStatus.of(error) {
        printError(message)
        return status
      }
      printError(fullMessage(for: error))
      return exitCode(for: error).rawValue
    }
  }
}
