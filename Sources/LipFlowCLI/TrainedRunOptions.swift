import ArgumentParser
import FlowCore
import Flows
import Foundation
import Harness

/// The options of the commands that use one run's model (`export`, `evaluate`, `sample`): the spec
/// options and `--only RUN`, which must name exactly one run.
struct TrainedRunOptions: ParsableArguments {
  @OptionGroup var spec: SpecOptions

  @Option(help: ArgumentHelp("The run whose model to use (an identifier, or a glob matching exactly one).", valueName: "run"))
  var only: String

  /// The plan and the one run `--only` names.
  /// - Throws: ``SpecError`` for the spec, ``CommandFailure/usage(_:)`` when `--only` does not name exactly one run.
  func selectedRun() throws -> (plan: ExperimentPlan, run: RunSpec) {
    let plan = try spec.plan()
    let runs = try RunSelection(plan: plan, patterns: [only]).runs
    guard runs.count == 1, let run = runs.first else {
      throw CommandFailure.usage("--only \(only): matches \(runs.count) runs (\(runs.prefix(10).map(\.identifier).joined(separator: ", "))); name one")
    }
    return (plan, run)
  }

  /// Runs `body` with the plan and the run `--only` names, the run's own matrix-product library
  /// (`training.gemm`) bound, so power iteration, log-densities and samples get the bits its
  /// training would give them.
  func withSelectedRun<Result>(_ body: (ExperimentPlan, RunSpec) throws -> Result) throws -> Result {
    let (plan, run) = try selectedRun()
    return try Gemm.withBackend(run.training.gemm) { try body(plan, run) }
  }

  /// The run's model holding its trained weights (EMA weights when it keeps an average) from its
  /// run directory, or, with `weights`, the reference-layout safetensors file; `estimator`
  /// replaces an image model's evaluation estimator.
  func model(_ plan: ExperimentPlan, _ run: RunSpec, weights: String?, estimator: LogDeterminantEstimator? = nil) throws -> (SequentialFlow, String) {
    let model = TrainedModel.build(run, evaluationEstimator: estimator)
    if let weights {
      try ReferenceWeights.load(path: weights, into: model, geometry: run.data.kind.geometry)
      return (model, "weights from \(weights)")
    }
    let directory = spec.runsDirectory(of: plan) + "/" + run.identifier
    let iteration = try TrainedModel.load(run, directory: directory, into: model, weights: .averaged, warn: { printError("warning: \($0)") })
    model.updateSpectralNorms(run.model.evaluationPowerIterations)
    let kind = run.training.averageDecay == nil ? "weights" : "averaged (EMA) weights"
    return (model, "\(kind) of \(run.identifier) after \(iteration) iterations (\(directory))")
  }
}
