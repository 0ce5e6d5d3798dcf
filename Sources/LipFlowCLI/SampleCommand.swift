import ArgumentParser
import FlowCore
import Flows
import Foundation
import Harness

/// `lipflow sample SPEC --only RUN --output F`: samples x = f⁻¹(z), z ~ N(0, I) of a run's trained
/// model: a CSV of points for toy runs (or, when F ends in `.png`, the run's density figure: data |
/// learned density | 10,000 samples), a PNG grid for image runs.
struct SampleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sample", abstract: "Draw samples x = f⁻¹(z) from a run's trained model: CSV points or a density figure (toy), a PNG grid (images).")

  @OptionGroup var options: TrainedRunOptions

  @Option(help: ArgumentHelp("A safetensors state_dict in the reference layout to sample from instead of the run's checkpoint.", valueName: "file"))
  var weights: String?

  @Option(help: ArgumentHelp("Number of samples (default 1000 points, 64 images; a density figure always draws 10000).", valueName: "n"))
  var count: Int?

  @Option(help: "Seed of z.")
  var seed: UInt64 = 0

  @Option(help: ArgumentHelp("The file to write (atomically): CSV points or, ending in .png, the density figure (toy); a PNG grid (images).", valueName: "file"))
  var output: String

  func run() throws {
    try options.withSelectedRun(sample)
  }

  func sample(_ plan: ExperimentPlan, _ run: RunSpec) throws {
    let geometry = run.data.kind.geometry
    let wanted = count ?? (geometry == nil ? 1000 : 64)
    guard wanted >= 1 && wanted <= 100_000 else { throw CommandFailure.usage("--count \(wanted): must be 1 to 100000") }
    let (model, source) = try options.model(plan, run, weights: weights)
    say("\(run.identifier): \(source)")
    do {
      if let geometry {
        let columns = Int(Double(wanted).squareRoot().rounded(.up))
        let rows = (wanted + columns - 1) / columns
        try ImageFigures.sampleGrid(model: model, geometry: geometry, seed: seed, rows: rows, columns: columns).write(to: output)
        say("\(output): \(rows * columns) samples on a \(rows) × \(columns) grid")
      } else if output.hasSuffix(".png"), let distribution = run.data.distribution {
        try ToyFigures.densityFigure(model: model, distribution: distribution, seed: seed).write(to: output)
        say("\(output): data | learned density | 10000 samples")
      } else {
        var random = RandomStream(seed: seed)
        let samples = try model.sample(count: wanted, latentShape: [2], random: &random).scalars
        let lines = ["x,y"] + (0..<wanted).map { "\(samples[2 * $0]),\(samples[2 * $0 + 1])" }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: output)
        say("\(output): \(wanted) samples")
      }
    } catch let error as FlowError {
      throw HarnessError.io(path: output, reason: "not written: sampling failed: \(error)")
    }
  }
}
