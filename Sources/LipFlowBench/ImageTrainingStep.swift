import FlowCore
import Flows
import Foundation

/// The MNIST models of Table 1 (3 scales × 4 blocks + 4 FC blocks, coefficient 0.98, Poisson(2)
/// Russian roulette with 2 exact terms, Neumann gradients) at the widths of the `paper` and
/// `quick` profiles of experiments/table1.yaml, for timing one training step of batch 64.
struct ImageCase {
  let name: String
  let branch: ImageBranch
  let note: String

  static let all: [ImageCase] = [
    ImageCase(name: "mnist_resflow_paper", branch: .residualFlow(hidden: [512, 512]), note: "hidden 512, 4.81M parameters"),
    ImageCase(name: "mnist_idensenet_paper", branch: .denseNet(depth: 3, growth: 108, concatenation: .fixed), note: "depth 3, growth 108, 4.81M"),
    ImageCase(name: "mnist_idensenet_lc_paper", branch: .denseNet(depth: 3, growth: 108, concatenation: .learnable(startIteration: 0)), note: "learnable concatenation"),
    ImageCase(name: "mnist_resflow_quick", branch: .residualFlow(hidden: [32, 32]), note: "hidden 32, 0.94M parameters"),
    ImageCase(name: "mnist_idensenet_quick", branch: .denseNet(depth: 3, growth: 21, concatenation: .fixed), note: "growth 21, 0.95M"),
    ImageCase(name: "mnist_idensenet_lc_quick", branch: .denseNet(depth: 3, growth: 21, concatenation: .learnable(startIteration: 0)), note: "learnable concatenation"),
  ]

  /// Median seconds of one training step on dequantised random pixels: loss in bits/dim,
  /// gradients, clipping to norm 1, an Adam step, power iteration to 1e-3 and the EMA.
  func stepTime(repetitions: Int) -> Double {
    var random = RandomStream(seed: 11)
    let model = MultiscaleModel.build(
      height: 28, width: 28, channels: 1, branch: branch, logitAlpha: 1e-6,
      trainingEstimator: .russianRoulette(.poisson(2), exactTerms: 2, samples: 1), gradient: .neumannSeries, random: &random)
    let parameters = model.parameters
    let adam = Adam(parameters: parameters, betas: (0.9, 0.99))
    let average = ExponentialMovingAverage(parameters: parameters, decay: 0.999)
    var context = FlowContext(mode: .training, random: random.split())
    let dimension = Float(784)
    return medianTime(repetitions: repetitions, warmup: 1) {
      let pixels = Tensor.randomUniform(shape: [64, 28, 28, 1], lower: 0, upper: 1, stream: &random)
      let logLikelihood = model.logLikelihood(Variable(pixels), context: &context).mean()
      let loss = (logLikelihood - dimension * Float(log(256.0))) * (-1 / (dimension * Float(log(2.0))))
      var gradients = Gradients.of(loss, withRespectTo: parameters.map(\.variable)).map(\.value)
      _ = GradientClipping.clipByGlobalNorm(&gradients, maximumNorm: 1)
      adam.update(gradients: gradients, learningRate: 1e-3)
      model.updateSpectralNorms(.tolerance(absolute: 1e-3, relative: 1e-3, maximumIterations: 200))
      average.update()
    }
  }
}

/// Runs one image case in this process: images/s of a training step and this process's peak memory.
func runImageCase(_ name: String) {
  guard let imageCase = ImageCase.all.first(where: { $0.name == name }) else {
    print("unknown image case \(name); known: \(ImageCase.all.map(\.name).joined(separator: ", "))")
    exit(2)
  }
  Parallelism.withThreads(threads) {
    let time = imageCase.stepTime(repetitions: name.hasSuffix("_paper") ? 1 : 3)
    report(imageCase.name + "_step", time, "s", imageCase.note + ", batch 64")
    report(imageCase.name + "_images_per_second", 64 / time, "images/s", String(format: "an MNIST epoch (937 steps) in %.1f h", 937 * time / 3600))
    report(imageCase.name + "_rss", peakResidentMegabytes(), "MB", "peak resident memory of a process running only this case")
  }
}

/// One MNIST training step of each image case, each in a child process (own peak memory).
func runImageBenchmarks() {
  for imageCase in ImageCase.all { runInChildProcess("--image-case", imageCase.name) }
}
