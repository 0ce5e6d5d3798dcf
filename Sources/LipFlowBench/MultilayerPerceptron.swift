import FlowCore
import Flows

/// The toy MLP 2-128-128-128-128-2 of the core benchmarks, batch 500.
///
/// LipSwish before every linear layer, as the toy Residual Flow's g (residual-flows `build_nnet`).
struct MultilayerPerceptron {
  let widths = [2, 128, 128, 128, 128, 2]
  var weights: [Variable] = []
  var biases: [Variable] = []
  var rawSlopes: [Variable] = []

  init(stream: inout RandomStream) {
    for (input, output) in zip(widths.dropLast(), widths.dropFirst()) {
      let bound = 1 / Float(input).squareRoot()
      weights.append(Variable(Tensor.randomUniform(shape: [output, input], lower: -bound, upper: bound, stream: &stream), requiresGradient: true))
      biases.append(Variable(Tensor.randomUniform(shape: [output], lower: -bound, upper: bound, stream: &stream), requiresGradient: true))
      rawSlopes.append(Variable(Tensor(LipSwish.initialRawSlope), requiresGradient: true))
    }
  }

  var parameters: [Variable] { weights + biases + rawSlopes }

  func callAsFunction(_ x: Variable) -> Variable {
    var h = x
    for layer in weights.indices {
      h = Variable.affine(h.lipSwish(rawSlope: rawSlopes[layer]), weight: weights[layer], bias: biases[layer])
    }
    return h
  }
}
