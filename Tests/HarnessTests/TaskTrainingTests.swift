import FlowCore
import Flows
import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// A directory in MNIST's IDX layout whose image i has label i mod 10.
func labelledMNIST(_ name: String, training: Int = 40, test: Int = 12) throws -> String {
  let directory = temporaryDirectory(name)
  try write(mnistImages(count: training), to: directory + "/train-images-idx3-ubyte")
  try write(idxFile(dimensions: [training], data: (0..<training).map { UInt8($0 % 10) }), to: directory + "/train-labels-idx1-ubyte")
  try write(mnistImages(count: test, first: 100), to: directory + "/t10k-images-idx3-ubyte")
  try write(idxFile(dimensions: [test], data: (0..<test).map { UInt8(($0 + 3) % 10) }), to: directory + "/t10k-labels-idx1-ubyte")
  return directory
}

@Suite("Classification and hybrid tasks")
struct TaskTrainingTests {
  static let specPath = repositoryRoot + "/experiments/hybrid-mnist.yaml"

  /// The ci profile of `experiments/hybrid-mnist.yaml` on labelled synthetic MNIST at `data`.
  static func ciPlan(data: String) throws -> ExperimentPlan {
    let paths = try ["mnist-classifier", "mnist-hybrid"].map { try SpecOverride(parsing: "datasets.\($0).path=\(data)") }
    return try ExperimentPlan.load(path: specPath, profile: "ci", overrides: paths)
  }

  /// imageSpec on its image column `digits` alone, with `lines` added to that dataset.
  static func spec(adding lines: String) -> String {
    imageSpec(path: "/nowhere").replacingOccurrences(of: "    kind: mnist\n", with: "    kind: mnist\n" + lines)
      .replacingOccurrences(of: "columns: [moons, digits]", with: "columns: [digits]")
  }

  static func error(_ text: String) -> String {
    do {
      _ = try ExperimentPlan.parse(text, file: "tasks.yaml")
      return "accepted"
    } catch {
      return "\(error)"
    }
  }

  @Test("The hybrid loss is λ·D·bits/dim + cross-entropy/ln 2: linear in λ, with the classifier's loss over ln 2 at λ = 0 and D·bits/dim as slope")
  func hybridLossWeighsItsTerms() throws {
    let run = try #require(try ExperimentPlan.parse(Self.spec(adding: "    task: hybrid\n    density_weight: 0.5\n"), file: "tasks.yaml").runs.first)
    let geometry = try #require(run.data.kind.geometry)
    var random = RandomStream(seed: 2)
    let model = run.model.build(image: geometry, logitAlpha: run.data.logitAlpha, random: &random)
    let head = try #require(run.model.buildHead(for: run.data, random: &random))
    let batch = Tensor.randomUniform(shape: [3, 28, 28, 1], lower: 0.01, upper: 0.99, stream: &random)
    let labels = [3, 0, 7]
    func loss(_ task: ImageTask, weight: Double) -> Double {
      var data = run.data
      (data.task, data.densityWeight) = (task, weight)
      var context = FlowContext(mode: .training, random: RandomStream(seed: 5))
      return Double(TaskObjective.loss(model: model, head: head, data: data, batch: batch, labels: labels, context: &context).value.scalar)
    }
    let (half, one, two) = (loss(.hybrid, weight: 0.5), loss(.hybrid, weight: 1), loss(.hybrid, weight: 2))
    let slope = two - one
    #expect(abs((one - half) - slope / 2) <= 1e-4 * abs(slope), "linear in λ")
    #expect(abs((one - slope) - loss(.classification, weight: 1) / log(2.0)) <= 1e-4 * abs(one), "the intercept is the cross-entropy in bits")
    // The slope is D·bits/dim of the density: −log p(x)/ln 2 + D·8 with D = 784.
    var context = FlowContext(mode: .training, random: RandomStream(seed: 5))
    let output = model.forward(Variable(batch), context: &context)
    let logLikelihood = Double((StandardNormal.logDensity(output.value) + output.logDeterminant).mean().value.scalar)
    #expect(abs(slope - (-logLikelihood / log(2.0) + 784 * 8)) <= 1e-4 * abs(slope))
  }

  @Test("A task other than the three is refused with its key path, the allowed values and a suggestion")
  func unknownTaskIsRefused() {
    let message = Self.error(Self.spec(adding: "    task: hybird\n"))
    #expect(message.hasPrefix("tasks.yaml:"))
    #expect(message.contains("datasets.digits.task: 'hybird' is not allowed; allowed: density, classification, hybrid"))
    #expect(message.contains("did you mean 'hybrid'"))
  }

  @Test("A task on toy data, λ without hybrid, a head width without a head and λ = 0 are refused")
  func misplacedTaskKeysAreRefused() {
    let toy = imageSpec(path: "/nowhere").replacingOccurrences(of: "distribution: 2moons}", with: "distribution: 2moons, task: classification}")
    #expect(Self.error(toy).contains("datasets.moons.task: 'task' applies only to labelled image data"))
    #expect(Self.error(Self.spec(adding: "    task: classification\n    density_weight: 2\n")).contains("'density_weight' applies only to task hybrid"))
    #expect(Self.error(Self.spec(adding: "    classifier_width: 16\n")).contains("'classifier_width' applies only to task classification or hybrid"))
    #expect(Self.error(Self.spec(adding: "    task: hybrid\n    density_weight: 0\n")).contains("datasets.digits.density_weight: 0 is out of range"))
  }

  @Test("The task keys default to density, λ = 1 and 256 head channels, and a spec without them resolves to the same YAML")
  func defaultsLeaveTheResolvedSpecAlone() throws {
    let plain = try ExperimentPlan.parse(imageSpec(path: "/nowhere"))
    let run = try #require(plain.runs.first { $0.identifier == "resflow-digits" })
    #expect(run.data.task == .density && run.data.densityWeight == 1 && run.data.classifierWidth == 256)
    #expect(!run.resolvedYAML.contains("task") && run.parameterCount == run.model.parameterCount(for: run.data))
  }

  @Test("The head's parameter count from the formula equals the built head's, for one to three scales")
  func headParameterCount() throws {
    for scales in 1...3 {
      let text = Self.spec(adding: "    task: hybrid\n    classifier_width: 7\n").replacingOccurrences(of: "    scales: 2\n", with: "    scales: \(scales)\n")
      let run = try #require(try ExperimentPlan.parse(text).runs.first { $0.identifier == "idensenet-digits" })
      #expect(run.model.scales == scales)
      var random = RandomStream(seed: 1)
      let head = try #require(run.model.buildHead(for: run.data, random: &random))
      #expect(run.model.headParameterCount(for: run.data) == head.parameters.reduce(0) { $0 + $1.count }, "\(scales) scales")
    }
  }

  @Test("The labels of a training batch are those of its images")
  func labelsFollowTheImages() throws {
    let directory = try labelledMNIST("task-labels", training: 12, test: 3)
    let dataset = try MNIST.load(directory: directory, split: .training)
    let batches = ImageBatches(training: dataset, test: dataset, flips: false, seed: 7)
    var noise = RandomStream(seed: 1)
    for iteration in 0..<3 {
      let batch = batches.trainingBatch(iteration: iteration, size: 4, noise: &noise)
      let labels = batches.trainingLabels(iteration: iteration, size: 4)
      for row in 0..<4 {
        let pixel = Int((batch[flat: row * 784] * 256).rounded(.down))
        let image = try #require((0..<12).first { Int(mnistPixel($0, 0, 0)) == pixel })
        #expect(labels[row] == image % 10)
      }
    }
  }

  @Test("The ci profile trains a classifier and hybrid models whose accuracy reaches eval.json, metrics.csv and the report")
  func ciRunsReportAccuracy() throws {
    let plan = try Self.ciPlan(data: try labelledMNIST("task-ci-data", training: 700, test: 100))
    let root = temporaryDirectory("task-ci-runs")
    let runs = root + "/" + plan.runGroup
    for run in plan.runs {
      guard case .completed(let evaluation) = try trainer(run, in: runs + "/" + run.identifier).train() else {
        Issue.record("\(run.identifier) did not complete")
        continue
      }
      let accuracy = try #require(evaluation.testAccuracy)
      #expect(accuracy >= 0 && accuracy <= 1 && evaluation.task == run.data.task.rawValue && evaluation.testCrossEntropy != nil)
      #expect(evaluation.unit == (run.data.task == .classification ? "nats/label" : "bits/dim"))
      if run.data.task == .classification {
        #expect(evaluation.testNLL == evaluation.testCrossEntropy, "a classifier's value is its cross-entropy")
      } else {
        #expect(evaluation.testNLL != evaluation.testCrossEntropy && evaluation.testNLL > 0, "a hybrid model's value is its bits/dim")
      }
      let rows = MetricRow.read(path: runs + "/" + run.identifier + "/metrics.csv")
      #expect(rows.last?.testAccuracy == accuracy)
    }
    let (markdown, csv) = try TableReport(plan: plan, runsRoot: root, resultsDirectory: root + "/results").write()
    let text = try String(contentsOfFile: markdown, encoding: .utf8)
    #expect(text.contains("| i-ResNet | accuracy **") && text.contains("## Accuracy"))
    #expect(text.contains("| Model | MNIST classifier (accuracy %) | MNIST hybrid (bits/dim ± s.e. · accuracy %) |"))
    #expect(!text.contains("| i-ResNet | MNIST classifier | 2."), "the classifiers' cross-entropies are not compared with bits/dim")
    let table = try String(contentsOfFile: csv, encoding: .utf8)
    #expect(table.hasPrefix("model,sweep,dataset,status,value,standard_error,unit,paper,difference,iterations,profile,parameters,wall_seconds,seed,best_value,best_iteration,task,accuracy,accuracy_standard_error,run\n"))
  }

  @Test("A hybrid run interrupted and resumed ends bit-identical to an uninterrupted one, the head's ActNorm included")
  func hybridResumeIsBitIdentical() throws {
    let plan = try Self.ciPlan(data: try labelledMNIST("task-resume-data", training: 700, test: 100))
    let run = try #require(plan.runs.first { $0.data.task == .hybrid })
    let straight = temporaryDirectory("task-straight")
    guard case .completed(let expected) = try trainer(run, in: straight).train() else { Issue.record("did not complete"); return }
    let resumed = temporaryDirectory("task-resumed")
    var calls = 0
    guard case .interrupted = try trainer(run, in: resumed).train(shouldStop: { calls += 1; return calls == 4 }) else {
      Issue.record("not interrupted")
      return
    }
    guard case .completed(let evaluation) = try trainer(run, in: resumed).train() else { Issue.record("did not complete"); return }
    #expect(evaluation == expected)
    #expect(evaluation.testAccuracy == expected.testAccuracy && evaluation.testNLL.bitPattern == expected.testNLL.bitPattern)
    let strip = { (path: String) in MetricRow.read(path: path).map { [$0.iteration, Int($0.loss.bitPattern), Int(($0.testNLL ?? 0).bitPattern)] } }
    #expect(strip(resumed + "/metrics.csv") == strip(straight + "/metrics.csv"))
  }
}
