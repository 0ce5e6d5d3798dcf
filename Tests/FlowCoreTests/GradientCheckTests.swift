import FlowCore
import Testing

/// One differentiable operation under test: the shapes of its inputs and how to apply it.
struct OperationCase: CustomTestStringConvertible, @unchecked Sendable {
  let name: String
  let shapes: [[Int]]
  var positive: Set<Int> = []
  /// Inputs held constant in the second-order check (the swish slope: ∂²/∂β² is not implemented).
  var constantInSecondOrder: Set<Int> = []
  let apply: ([Variable]) -> Variable

  var testDescription: String { name }

  func inputs(seed: UInt64) -> [Tensor] {
    shapes.enumerated().map { index, shape in
      randomTensor(shape, seed: seed + UInt64(index), scale: 0.8, positive: positive.contains(index))
    }
  }
}

let operationCases: [OperationCase] = [
  OperationCase(name: "add", shapes: [[3, 4], [3, 4]]) { $0[0] + $0[1] },
  OperationCase(name: "add a bias along the last axis", shapes: [[2, 3, 4], [4]]) { $0[0] + $0[1] },
  OperationCase(name: "add a one-element tensor", shapes: [[3, 4], []]) { $0[0] + $0[1] },
  OperationCase(name: "subtract from a broadcast row", shapes: [[4], [3, 4]]) { $0[0] - $0[1] },
  OperationCase(name: "multiply", shapes: [[3, 4], [3, 4]]) { $0[0] * $0[1] },
  OperationCase(name: "multiply by a broadcast row", shapes: [[5, 4], [4]]) { $0[0] * $0[1] },
  OperationCase(name: "divide", shapes: [[3, 4], [3, 4]], positive: [1]) { $0[0] / $0[1] },
  OperationCase(name: "divide by a broadcast row", shapes: [[3, 4], [4]], positive: [1]) { $0[0] / $0[1] },
  OperationCase(name: "negate", shapes: [[3, 4]]) { -$0[0] },
  OperationCase(name: "scale by a constant", shapes: [[3, 4]]) { $0[0] * 1.7 },
  OperationCase(name: "add a constant", shapes: [[3, 4]]) { $0[0] + 0.3 },
  OperationCase(name: "exp", shapes: [[3, 4]]) { $0[0].exp() },
  OperationCase(name: "log", shapes: [[3, 4]], positive: [0]) { $0[0].log() },
  OperationCase(name: "sigmoid", shapes: [[3, 4]]) { $0[0].sigmoid() },
  OperationCase(name: "softplus", shapes: [[3, 4]]) { $0[0].softplus() },
  OperationCase(name: "square root", shapes: [[3, 4]], positive: [0]) { $0[0].squareRoot() },
  OperationCase(name: "square", shapes: [[3, 4]]) { $0[0].squared() },
  OperationCase(name: "sum", shapes: [[3, 4]]) { $0[0].squared().sum() },
  OperationCase(name: "mean", shapes: [[3, 4]]) { $0[0].squared().mean() },
  OperationCase(name: "sum along the middle axis", shapes: [[2, 3, 4]]) { $0[0].squared().sum(alongAxis: 1) },
  OperationCase(name: "sum along two axes", shapes: [[2, 3, 4]]) { $0[0].squared().sum(alongAxes: [0, 2]) },
  OperationCase(name: "mean along the first axis", shapes: [[2, 3, 4]]) { $0[0].squared().mean(alongAxis: 0) },
  OperationCase(name: "expand along a new axis", shapes: [[3, 4]]) { $0[0].squared().expanded(insertingAxis: 1, extent: 3) },
  OperationCase(name: "sum to a suffix shape", shapes: [[3, 4]]) { $0[0].squared().summed(toShape: [4]) },
  OperationCase(name: "broadcast to a larger shape", shapes: [[4]]) { $0[0].squared().broadcast(toShape: [2, 3, 4]) },
  OperationCase(name: "reshape", shapes: [[3, 4]]) { $0[0].squared().reshaped([2, 6]) },
  OperationCase(name: "concatenate along the last axis", shapes: [[2, 3, 2], [2, 3, 1], [2, 3, 4]]) {
    Variable.concatenatingLastAxis([$0[0].squared(), $0[1], $0[2] * $0[2]])
  },
  OperationCase(name: "scaled concatenation along the last axis", shapes: [[2, 3, 2], [2, 3, 5], [2]]) {
    Variable.concatenatingLastAxis([$0[0].squared(), $0[1]], scaledBy: $0[2] * $0[2])
  },
  OperationCase(name: "scaled concatenation with constant scales", shapes: [[2, 3, 2], [2, 3, 5]]) {
    Variable.concatenatingLastAxis([$0[0].squared(), $0[1]], scaledBy: Variable(Tensor(shape: [2], scalars: [0.7, -1.3])))
  },
  OperationCase(name: "slice the last axis", shapes: [[3, 5]]) { $0[0].squared().slicingLastAxis(1..<4) },
  OperationCase(name: "slice the last axis times a scale", shapes: [[3, 5], []]) { $0[0].squared().slicingLastAxis(1..<4, scaledBy: $0[1]) },
  OperationCase(name: "pad the last axis", shapes: [[3, 2]]) { $0[0].squared().paddingLastAxis(offset: 1, width: 4) },
  OperationCase(name: "squeeze space to depth", shapes: [[2, 4, 4, 2]]) { $0[0].squared().squeezed() },
  OperationCase(name: "unsqueeze depth to space", shapes: [[1, 2, 2, 8]]) { $0[0].squared().unsqueezed() },
  OperationCase(name: "matrix product", shapes: [[3, 5], [5, 4]]) { Variable.matrixProduct($0[0], $0[1]) * $0[0].sum() },
  OperationCase(name: "matrix product with B transposed", shapes: [[3, 5], [4, 5]]) {
    Variable.matrixProduct($0[0], $0[1], transposeB: .transposed).squared()
  },
  OperationCase(name: "matrix product with A transposed", shapes: [[5, 3], [5, 4]]) {
    Variable.matrixProduct($0[0], $0[1], transposeA: .transposed).squared()
  },
  OperationCase(name: "matrix product with both transposed", shapes: [[5, 3], [4, 5]]) {
    Variable.matrixProduct($0[0], $0[1], transposeA: .transposed, transposeB: .transposed).squared()
  },
  OperationCase(name: "affine map with bias on a rank-3 input", shapes: [[2, 3, 5], [4, 5], [4]]) {
    Variable.affine($0[0], weight: $0[1], bias: $0[2]).squared()
  },
  OperationCase(name: "affine map without bias", shapes: [[3, 5], [4, 5]]) {
    Variable.affine($0[0], weight: $0[1]).squared()
  },
  OperationCase(name: "3×3 convolution", shapes: [[2, 4, 5, 3], [2, 3, 3, 3]]) {
    Variable.convolution($0[0], weight: $0[1], padding: 1).squared()
  },
  OperationCase(name: "1×1 convolution", shapes: [[2, 3, 3, 4], [3, 1, 1, 4]]) {
    Variable.convolution($0[0], weight: $0[1], padding: 0).squared()
  },
  OperationCase(name: "transposed 3×3 convolution", shapes: [[2, 4, 4, 2], [2, 3, 3, 3]]) {
    Variable.transposedConvolution($0[0], weight: $0[1], padding: 1).squared()
  },
  OperationCase(name: "convolution weight gradient", shapes: [[2, 4, 4, 3], [2, 4, 4, 2]]) {
    Variable.convolutionWeightGradient(input: $0[0], outputGradient: $0[1], kernelHeight: 3, kernelWidth: 3, padding: 1).squared()
  },
  OperationCase(name: "swish", shapes: [[4, 6], []], positive: [1], constantInSecondOrder: [1]) {
    Variable.swish(order: 0, $0[0] * 2, slope: $0[1], scale: 0.9)
  },
  OperationCase(name: "swish first derivative times a vector", shapes: [[4, 6], [], [4, 6]], positive: [1], constantInSecondOrder: [1]) {
    Variable.swish(order: 1, $0[0] * 2, slope: $0[1], scale: 0.9, multiplier: $0[2])
  },
  OperationCase(name: "swish second derivative", shapes: [[4, 6], []], positive: [1], constantInSecondOrder: [1]) {
    Variable.swish(order: 2, $0[0] * 2, slope: $0[1], scale: 0.9)
  },
  OperationCase(name: "swish third derivative times a vector", shapes: [[4, 6], [], [4, 6]], positive: [1], constantInSecondOrder: [1]) {
    Variable.swish(order: 3, $0[0] * 2, slope: $0[1], multiplier: $0[2])
  },
  OperationCase(name: "swish slope derivative times a vector", shapes: [[4, 6], [4, 6]]) {
    Variable.swishSlope(order: 0, $0[0] * 2, slope: Variable(Tensor(1.3)), multiplier: $0[1])
  },
  OperationCase(name: "swish slope derivative of the first derivative", shapes: [[4, 6]]) {
    Variable.swishSlope(order: 1, $0[0] * 2, slope: Variable(Tensor(0.7)), scale: 0.9)
  },
  OperationCase(name: "LipSwish", shapes: [[4, 6], []], constantInSecondOrder: [1]) {
    ($0[0] * 2).lipSwish(rawSlope: $0[1])
  },
  OperationCase(name: "LipSwish first derivative", shapes: [[4, 6], []], constantInSecondOrder: [1]) {
    ($0[0] * 2).lipSwishDerivative(order: 1, rawSlope: $0[1])
  },
  OperationCase(name: "LipSwish second derivative", shapes: [[4, 6], []], constantInSecondOrder: [1]) {
    ($0[0] * 2).lipSwishDerivative(order: 2, rawSlope: $0[1])
  },
]

/// ⟨∂⟨f(x), r⟩/∂x, s⟩ over the non-constant inputs, with the inner gradient taken in
/// differentiable mode: its gradient checks the second derivatives of `f` (its backward rules).
func differentiatedBackward(_ testCase: OperationCase, constants: [Int: Tensor]) -> ([Variable]) -> Variable {
  let shapes = testCase.shapes
  var stream = RandomStream(seed: 404)
  let fullInputs = testCase.inputs(seed: 1).enumerated().map { constants[$0] ?? $1 }
  let outputShape = testCase.apply(fullInputs.map { Variable($0) }).shape
  let projection = Variable(Tensor.randomNormal(shape: outputShape, stream: &stream))
  let directions = shapes.map { Variable(Tensor.randomNormal(shape: $0, stream: &stream)) }
  return { free in
    var iterator = free.makeIterator()
    let leaves: [Variable] = shapes.indices.map { index in
      if let constant = constants[index] { return Variable(constant) }
      let variable = iterator.next()!
      return variable.requiresGradient ? variable : Variable(variable.value, requiresGradient: true)
    }
    let freeIndices = shapes.indices.filter { constants[$0] == nil }
    let output = (testCase.apply(leaves) * projection).sum()
    let gradients = Gradients.of(output, withRespectTo: freeIndices.map { leaves[$0] }, mode: .differentiable)
    var total: Variable? = nil
    for (gradient, index) in zip(gradients, freeIndices) {
      let term = (gradient * directions[index]).sum()
      total = total.map { $0 + term } ?? term
    }
    return total!
  }
}

@Suite("Gradients against finite differences")
struct GradientCheckTests {
  @Test("Each operation's gradient matches central differences", arguments: operationCases)
  func firstOrderGradientMatchesFiniteDifferences(_ testCase: OperationCase) {
    let report = GradientCheck.check(inputs: testCase.inputs(seed: 1), function: testCase.apply)
    #expect(report.passed, "\(testCase.name): \(report)")
  }

  @Test("Each operation's differentiable backward rule has the right derivative", arguments: operationCases)
  func secondOrderGradientMatchesFiniteDifferences(_ testCase: OperationCase) {
    let inputs = testCase.inputs(seed: 1)
    var constants: [Int: Tensor] = [:]
    for index in testCase.constantInSecondOrder { constants[index] = inputs[index] }
    let free = inputs.indices.filter { constants[$0] == nil }.map { inputs[$0] }
    let report = GradientCheck.check(inputs: free, function: differentiatedBackward(testCase, constants: constants))
    #expect(report.passed, "\(testCase.name): \(report)")
  }

  @Test("First-order and differentiable backward passes give the same gradients", arguments: operationCases)
  func backwardModesAgree(_ testCase: OperationCase) {
    let variables = testCase.inputs(seed: 3).map { Variable($0, requiresGradient: true) }
    let output = testCase.apply(variables).squared().sum()
    let first = Gradients.of(output, withRespectTo: variables, mode: .firstOrder)
    let differentiable = Gradients.of(output, withRespectTo: variables, mode: .differentiable)
    for (a, b) in zip(first, differentiable) {
      #expect(maximumDifference(a.value, b.value) <= 1e-4 * max(1, maximumMagnitude(a.value)), "\(testCase.name)")
    }
  }
}
