import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// A spec with two models on one toy column, each cell replicated over three seeds.
let replicatedSpec = """
  experiment: {name: replicated}
  seeds: [0, 1, 2]
  models:
    resflow: {label: Residual Flow, family: resflow, blocks: 2, hidden: [16, 16], coefficient: 0.9}
    idensenet: {label: i-DenseNet, family: idensenet, blocks: 2, depth: 2, growth: 8, coefficient: 0.9, concatenation: {coefficient: 0.98, learnable: false}}
  datasets:
    moons: {label: 2 moons, kind: toy, distribution: 2moons}
  training: {iterations: 30, batch_size: 64, optimizer: {name: adam, learning_rate: 1.0e-3}, checkpoint_every: 10, log_every: 5}
  evaluation: {every: 10, test_samples: 500, test_seed: 9}
  table:
    rows: [resflow, idensenet]
    columns: [moons]
    reference: {resflow: {moons: 2.60}, idensenet: {moons: 2.39}}
  """

@Suite("Replicate seeds in plans and reports")
struct ReplicateReportTests {
  // MARK: Statistics

  @Test("A summary of known numbers has the known mean, sample standard deviation and t interval")
  func summaryOfKnownNumbers() throws {
    let summary = try #require(SampleSummary([1, 2, 3, 4]))
    #expect(summary.count == 4)
    #expect(abs(summary.mean - 2.5) < 1e-12)
    #expect(abs(try #require(summary.standardDeviation) - (5.0 / 3).squareRoot()) < 1e-12)
    // t(0.975, 3) = 3.1824; half-width 3.1824 · 1.290994 / 2 = 2.054222.
    let interval = try #require(summary.interval95)
    #expect(abs(interval.lowerBound - (2.5 - 2.054222)) < 1e-5)
    #expect(abs(interval.upperBound - (2.5 + 2.054222)) < 1e-5)
    let single = try #require(SampleSummary([7]))
    #expect(single.standardDeviation == nil && single.interval95 == nil && single.mean == 7)
    #expect(SampleSummary([]) == nil)
  }

  @Test("The t quantiles match the tables for small n and stay within 1e-4 of the exact values beyond them")
  func tQuantilesMatchTheTables() {
    let exact: [(Int, Double)] = [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (30, 2.0423), (31, 2.0395), (40, 2.0211), (60, 2.0003), (120, 1.9799), (1000, 1.9623)]
    for (degrees, value) in exact {
      #expect(abs(StudentT.quantile975(degreesOfFreedom: degrees) - value) < 1e-4, "ν = \(degrees)")
    }
  }

  @Test("A paired difference takes each seed's difference between runs of the same seed, ignores unpaired seeds, and gives the t interval over them")
  func pairedDifferenceOfKnownNumbers() throws {
    let difference = PairedDifference(
      later: [0: 3.30, 1: 3.35, 2: 3.28, 5: 9.0], earlier: [0: 3.44, 1: 3.47, 2: 3.41, 7: 0.0], paperLater: 3.32, paperEarlier: 3.44)
    #expect(difference.seeds == [0, 1, 2])
    #expect(zip(difference.differences, [-0.14, -0.12, -0.13]).allSatisfy { abs($0 - $1) < 1e-12 })
    let summary = try #require(difference.summary)
    #expect(abs(summary.mean + 0.13) < 1e-12)
    #expect(abs(try #require(summary.standardDeviation) - 0.01) < 1e-12)
    // t(0.975, 2) = 4.3027; half-width 4.3027 · 0.01 / √3 = 0.0248417.
    let interval = try #require(summary.interval95)
    #expect(abs(interval.lowerBound + 0.13 + 0.0248417) < 1e-6)
    #expect(abs(interval.upperBound + 0.13 - 0.0248417) < 1e-6)
    #expect(difference.verdict == .holds)
    // Unpaired, the same numbers (seed 1 of one row against seed 2 of the other) would spread more:
    // pairing must use the seeds, not the order.
    let shuffled = PairedDifference(later: [0: 3.30, 1: 3.35, 2: 3.28], earlier: [0: 3.44, 1: 3.41, 2: 3.47], paperLater: 3.32, paperEarlier: 3.44)
    #expect(abs(try #require(shuffled.summary?.standardDeviation) - 0.01) > 1e-3)
  }

  @Test("The verdict says whether the paper's ordering holds, is reversed, is unresolved, or is a tie")
  func verdictsFollowTheInterval() {
    let paper = (later: 3.32, earlier: 3.44)
    func verdict(_ later: [Double], _ earlier: [Double], paperLater: Double = paper.later, paperEarlier: Double = paper.earlier) -> PairedDifference.Verdict {
      let seeds = (0..<UInt64(later.count))
      return PairedDifference(
        later: Dictionary(uniqueKeysWithValues: zip(seeds, later)), earlier: Dictionary(uniqueKeysWithValues: zip(seeds, earlier)),
        paperLater: paperLater, paperEarlier: paperEarlier
      ).verdict
    }
    #expect(verdict([3.5, 3.6, 3.55], [3.3, 3.31, 3.29]) == .reversed)
    #expect(verdict([3.30, 3.50], [3.40, 3.41]) == .sameSignUnresolved)
    #expect(verdict([3.55, 3.30], [3.40, 3.41]) == .oppositeSignUnresolved)
    #expect(verdict([3.30], [3.40]) == .sameSignUnresolved)
    #expect(verdict([2.80, 2.81, 2.82], [2.80, 2.83, 2.81], paperLater: 2.39, paperEarlier: 2.39) == .paperTie(intervalIncludesZero: true))
    #expect(verdict([2.70, 2.71, 2.72], [2.80, 2.83, 2.81], paperLater: 2.39, paperEarlier: 2.39) == .paperTie(intervalIncludesZero: false))
    #expect(PairedDifference(later: [0: 1], earlier: [1: 1], paperLater: 1, paperEarlier: 2).verdict == .undetermined)
  }

  // MARK: Plans

  @Test("seeds: [0, 1, 2] gives the same runs, identifiers and resolved specs as a seed sweep, and no sweep point of its own")
  func seedsRunAsALastSweepAxis() throws {
    let replicated = try ExperimentPlan.parse(replicatedSpec)
    let swept = try ExperimentPlan.parse(replicatedSpec.replacingOccurrences(of: "seeds: [0, 1, 2]", with: "sweep: {seed: [0, 1, 2]}"))
    #expect(replicated.runs.map(\.identifier) == swept.runs.map(\.identifier))
    #expect(replicated.runs.map(\.identifier).prefix(3) == ["resflow-moons-seed=0", "resflow-moons-seed=1", "resflow-moons-seed=2"])
    #expect(replicated.runs.map(\.resolvedYAML) == swept.runs.map(\.resolvedYAML))
    #expect(replicated.runs.map(\.seed) == [0, 1, 2, 0, 1, 2])
    #expect(replicated.seeds == [0, 1, 2] && replicated.sweep.isEmpty)
    #expect(swept.seeds.isEmpty && swept.sweep.count == 1)
    let withOtherAxis = try ExperimentPlan.parse(replicatedSpec + "\nsweep: {model.coefficient: [0.8, 0.9]}")
    #expect(withOtherAxis.runs.map(\.identifier).prefix(3) == ["resflow-moons-model.coefficient=0.8-seed=0", "resflow-moons-model.coefficient=0.8-seed=1", "resflow-moons-model.coefficient=0.8-seed=2"])
  }

  @Test("seeds can come from a profile or --set, and is refused when empty, repeated, negative or swept as well")
  func seedsAreReadStrictly() throws {
    let plain = replicatedSpec.replacingOccurrences(of: "seeds: [0, 1, 2]\n", with: "")
    let overridden = try ExperimentPlan.parse(plain, overrides: [try SpecOverride(parsing: "seeds=[4, 5]")])
    #expect(overridden.runs.map(\.identifier) == ["resflow-moons-seed=4", "resflow-moons-seed=5", "idensenet-moons-seed=4", "idensenet-moons-seed=5"])
    func message(_ text: String) -> String {
      do { _ = try ExperimentPlan.parse(text, file: "r.yaml"); return "" } catch { return "\(error)" }
    }
    #expect(message(replicatedSpec.replacingOccurrences(of: "[0, 1, 2]", with: "[]")).hasSuffix("seeds: expected a non-empty list of seeds, such as [0, 1, 2]"))
    #expect(message(replicatedSpec.replacingOccurrences(of: "[0, 1, 2]", with: "[0, 1, 1]")).hasSuffix("seeds[2]: the seed 1 is listed twice; allowed: distinct seeds"))
    #expect(message(replicatedSpec.replacingOccurrences(of: "[0, 1, 2]", with: "[0, -1]")).contains("seeds[1]: -1 is out of range"))
    #expect(message(replicatedSpec + "\nsweep: {seed: [3, 4]}").contains("sweep.seed: 'seed' is both swept and listed under 'seeds'"))
  }

  // MARK: Reports

  /// The final test NLL of each run of the replicated plan: resflow 2.90, 2.95, 2.85 and
  /// i-DenseNet 2.80, 2.83, 2.78 on seeds 0, 1, 2.
  static let finals: [String: Double] = [
    "resflow-moons-seed=0": 2.90, "resflow-moons-seed=1": 2.95, "resflow-moons-seed=2": 2.85,
    "idensenet-moons-seed=0": 2.80, "idensenet-moons-seed=1": 2.83, "idensenet-moons-seed=2": 2.78,
  ]

  /// Writes the replicated plan's runs as completed, with metrics whose evaluations at 10 and 20
  /// iterations are 0.05 above and 0.02 below the final value.
  func writeRuns(_ plan: ExperimentPlan, _ name: String, skipping skipped: Set<String> = []) throws -> String {
    let runs = temporaryDirectory(name)
    for run in plan.runs where !skipped.contains(run.identifier) {
      let final = try #require(ReplicateReportTests.finals[run.identifier])
      try FakeRun.write(run, under: runs, testNLL: final)
      let rows = [
        MetricRow(iteration: 5, loss: 3.0, testNLL: nil, testStandardError: nil, seconds: 1),
        MetricRow(iteration: 10, loss: 2.9, testNLL: final + 0.05, testStandardError: 0.01, seconds: 2),
        MetricRow(iteration: 20, loss: 2.8, testNLL: final - 0.02, testStandardError: 0.01, seconds: 4),
        MetricRow(iteration: 30, loss: 2.7, testNLL: final, testStandardError: 0.0125, seconds: 6),
      ]
      try MetricRow.write(rows, path: runs + "/" + run.identifier + "/metrics.csv")
    }
    return runs
  }

  @Test("A replicated cell is the mean ± standard deviation over its seeds with n, and says how many seeds are missing")
  func cellsAreMeansOverSeeds() throws {
    let plan = try ExperimentPlan.parse(replicatedSpec, file: "replicated.yaml")
    let runs = try writeRuns(plan, "replicate-cells", skipping: ["idensenet-moons-seed=2"])
    let markdown = TableReport(plan: plan, runsDirectory: runs).markdown(cells: TableReport(plan: plan, runsDirectory: runs).cells())
    let rows = markdown.split(separator: "\n").map(String.init)
    // resflow: mean 2.90, sd 0.05; i-DenseNet over seeds 0 and 1: mean 2.815, sd 0.0212.
    let resflow = try #require(rows.first { $0.hasPrefix("| Residual Flow |") })
    #expect(markdownCells(resflow)[1] == "**2.900** ± 0.050 sd (n = 3) · paper 2.60 · Δ +0.300")
    let dense = try #require(rows.first { $0.hasPrefix("| i-DenseNet |") })
    #expect(markdownCells(dense)[1] == "**2.815** ± 0.021 sd (n = 2 of 3) · paper 2.39 · Δ +0.425; 1 not run yet")
    #expect(rows.contains { $0.contains("mean ± standard deviation over seeds 0, 1, 2") })
    // The seeds table keeps each run's own standard error over its test samples.
    #expect(rows.contains("| Residual Flow | 2 moons | 1 | 2.950 ± 0.013 | 2.930 at 20 | completed | resflow-moons-seed=1 |"))
  }

  @Test("The difference between rows is paired by seed, with its t interval and the paper's ordering")
  func differencesArePairedBySeed() throws {
    let plan = try ExperimentPlan.parse(replicatedSpec, file: "replicated.yaml")
    let runs = try writeRuns(plan, "replicate-differences")
    let report = TableReport(plan: plan, runsDirectory: runs)
    let markdown = report.markdown(cells: report.cells())
    // Differences −0.10, −0.12, −0.07: mean −0.0967, sd 0.0252, half-width 4.3027 · 0.0252 / √3 = 0.0625.
    let line = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| 2 moons | i-DenseNet − Residual Flow |") })
    #expect(markdownCells(String(line)) == [
      "2 moons", "i-DenseNet − Residual Flow", "-0.097 ± 0.025 sd (n = 3)", "[-0.159, -0.034]", "-0.21", "the paper's ordering holds (interval excludes 0)",
    ])
  }

  @Test("Final and best are reported side by side, the best labelled as chosen on the test set, and in the CSV with one row per run and its seed")
  func bestAndFinalAreBothReported() throws {
    let plan = try ExperimentPlan.parse(replicatedSpec, file: "replicated.yaml")
    let runs = try writeRuns(plan, "replicate-best")
    let report = TableReport(plan: plan, runsDirectory: runs)
    let cells = report.cells()
    let markdown = report.markdown(cells: cells)
    #expect(markdown.contains("| Model | Column | Final | Best (chosen on the test set, optimistic) | Best at iteration |"))
    #expect(markdown.contains("| Residual Flow | 2 moons | 2.900 ± 0.050 sd (n = 3) | 2.880 ± 0.050 sd (n = 3) | 20, 20, 20 |"))
    let records = CSVReader.records(report.csv(cells: cells))
    let header = try #require(records.first)
    #expect(header.suffix(4) == ["seed", "best_value", "best_iteration", "run"])
    #expect(records.count == 1 + plan.runs.count)
    let row = try #require(records.first { $0.contains("idensenet-moons-seed=1") })
    let field = { (name: String) in row[header.firstIndex(of: name)!] }
    #expect(field("seed") == "1" && field("sweep") == "" && field("value") == "2.830000" && field("standard_error") == "0.012500")
    #expect(field("best_value") == "2.810000" && field("best_iteration") == "20")
  }

  @Test("Figures are written into the report folder through its staging folder, linked from the Markdown, and a second report replaces them")
  func figuresGoThroughTheReportFolder() throws {
    let plan = try ExperimentPlan.parse(replicatedSpec, file: "replicated.yaml")
    let runs = try writeRuns(plan, "replicate-figures")
    let results = temporaryDirectory("replicate-figures-results")
    let written = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    let markdown = try String(contentsOfFile: written.markdown, encoding: .utf8)
    #expect(markdown.contains("[2 moons](replicated/curves-moons.svg)"))
    #expect(markdown.contains("![The table as a dot plot beside the paper's values](replicated/dot-plot.svg)"))
    let curves = try String(contentsOfFile: results + "/replicated/curves-moons.svg", encoding: .utf8)
    #expect(curves.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(curves.components(separatedBy: "<polyline").count - 1 == 6)  // 2 rows × 3 seeds
    #expect(curves.components(separatedBy: "stroke-dasharray=\"7 4\"").count - 1 == 3)  // 2 paper lines and the legend's
    #expect(curves.components(separatedBy: "stroke-dasharray=\"2 3\"").count - 1 == 2)  // the entropy and the legend's
    #expect(curves.contains(">iteration</text>") && curves.contains(">test NLL (nats)</text>") && curves.contains(">Residual Flow (3 seeds)</text>"))
    let dots = try String(contentsOfFile: results + "/replicated/dot-plot.svg", encoding: .utf8)
    #expect(dots.components(separatedBy: "<polygon").count - 1 == 3)  // 2 paper diamonds and the legend's
    // A second report recognises the folder with its figures as its own and replaces it.
    _ = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    #expect(listing(results).filter { $0.hasPrefix(".") }.isEmpty)
    // A figure-like file of someone else's, in a run folder, still stops the report.
    try Data("mine".utf8).write(to: URL(fileURLWithPath: results + "/replicated/resflow-moons-seed=0/curves-moons.svg"))
    #expect(throws: HarnessError.self) { try TableReport(plan: plan, runsDirectory: runs).write(to: results) }
  }

  @Test("A plan without seeds reports exactly as before: no seed columns in the sweep, cells with the test-sample standard error")
  func unreplicatedReportsAreUnchanged() throws {
    let plan = try ExperimentPlan.parse(smallSpec, file: "small.yaml")
    let runs = temporaryDirectory("unreplicated-runs")
    for run in plan.runs { try FakeRun.write(run, under: runs, testNLL: 2.75) }
    let report = TableReport(plan: plan, runsDirectory: runs)
    let markdown = report.markdown(cells: report.cells())
    #expect(markdown.contains("| resflow | **2.750** ± 0.013 · paper 2.60 · Δ +0.150 |"))
    #expect(markdown.contains("Each cell: ours ± standard error of the mean over the final test samples"))
    #expect(!markdown.contains("## Seeds"))
  }
}
