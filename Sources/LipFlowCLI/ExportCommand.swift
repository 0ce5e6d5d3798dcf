import ArgumentParser
import Foundation
import Harness

/// `lipflow export SPEC --only RUN --output W.safetensors`: a trained run's weights in the
/// reference implementation's `state_dict` layout.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a trained run's weights (EMA weights where the run keeps an average) as a safetensors state_dict of the PyTorch reference.")

  @OptionGroup var options: TrainedRunOptions

  @Option(help: ArgumentHelp("The safetensors file to write (atomically).", valueName: "file"))
  var output: String

  func run() throws {
    try options.withSelectedRun(export)
  }

  func export(_ plan: ExperimentPlan, _ run: RunSpec) throws {
    let (model, source) = try options.model(plan, run, weights: nil)
    let file = try ReferenceWeights.export(
      model, geometry: run.data.kind.geometry,
      metadata: ["lipflow_run": run.identifier, "lipflow_spec_hash": Provenance.hash(run.resolvedYAML), "lipflow_version": LipFlowVersion.current])
    try file.write(to: output)
    say("\(output): \(file.tensors.count) tensors, \(source)")
  }
}
