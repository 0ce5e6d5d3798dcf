import FlowCore
import Flows
import Foundation

/// The toy models of Table 1 at the reference settings, for timing one training iteration.
enum ToyModel: String, CaseIterable {
  case residualFlow = "resflow"
  case denseNet = "idensenet"

  /// 10 blocks: 2-128-128-128-128-2 LipSwish perceptrons (coefficient 0.9), or dense branches
  /// of depth 4 and growth 90 with learnable concatenation (0.98).
  func build(estimator: LogDeterminantEstimator, gradient: LogDeterminantGradient, random: inout RandomStream) -> SequentialFlow {
    let blocks: [any Flow] = (0..<10).map { index in
      let branch: any ResidualBranch
      switch self {
      case .residualFlow:
        branch = LipschitzPerceptron(name: "block\(index)", widths: [2, 128, 128, 128, 128, 2], activation: .lipSwish, coefficient: 0.9, random: &random)
      case .denseNet:
        branch = DenseBranch(name: "block\(index)", dimension: 2, depth: 4, growth: 90, activation: .lipSwish, coefficient: 0.9, concatenationCoefficient: 0.98, concatenation: .learnable(startIteration: 0), random: &random)
      }
      return InvertibleResidualBlock(name: "block\(index)", branch: branch, trainingEstimator: estimator, evaluationEstimator: .exactTwoByTwo, gradient: gradient)
    }
    return SequentialFlow(blocks)
  }
}

/// Median seconds of one training iteration: a batch of 500, −mean log-likelihood, gradients,
/// an Adam step and 5 power iterations on every Lipschitz layer.
func toyTrainingStepTime(_ kind: ToyModel, estimator: LogDeterminantEstimator, gradient: LogDeterminantGradient, iterations: Int) -> Double {
  var random = RandomStream(seed: 7)
  let model = kind.build(estimator: estimator, gradient: gradient, random: &random)
  let parameters = model.parameters
  let adam = Adam(parameters: parameters)
  var context = FlowContext(mode: .training, random: random.split())
  return medianTime(repetitions: iterations, warmup: 3) {
    let batch = Tensor.randomNormal(shape: [500, 2], standardDeviation: 2, stream: &random)
    let loss = -model.logLikelihood(Variable(batch), context: &context).mean()
    let gradients = Gradients.of(loss, withRespectTo: parameters.map(\.variable)).map(\.value)
    adam.update(gradients: gradients, learningRate: 1e-3)
    model.updateSpectralNorms(.iterations(5))
  }
}

/// Peak resident memory of this process so far, in MB (Linux `VmHWM`).
func peakResidentMegabytes() -> Double {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
  else { return .nan }
  let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
  return kilobytes / 1024
}
