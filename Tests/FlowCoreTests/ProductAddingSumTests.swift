import FlowCore
import Testing

/// A dense layer h(x) = [η₁·x, swish(x·Wᵀ)] (Perugachi-Diaz et al. 2021, Eq. 9) and its
/// vector-Jacobian product taken as a differentiable graph, as a log-determinant series term
/// does: x's gradient is the concatenation's slice plus the product through W, which a
/// differentiable pass with in-place accumulation forms as one operation s + g·W.
private struct DenseLayerProbe {
  /// x `shape`, W `[outputs, inputs]`, η `[2]`, β̃ `[1]`.
  let inputs: [Tensor]
  let vector: Tensor
  let probe: Tensor

  init(shape: [Int], outputs: Int) {
    let features = shape.last!
    inputs = [
      randomTensor(shape, seed: 41), randomTensor([outputs, features], seed: 42, scale: 0.3),
      Tensor(shape: [2], scalars: [0.8, 0.6]), Tensor(shape: [1], scalars: [0.4]),
    ]
    vector = randomTensor(Array(shape.dropLast()) + [features + outputs], seed: 43)
    probe = randomTensor(shape, seed: 44)
  }

  /// ⟨vᵀ·∂h/∂x, probe⟩ with vᵀ·∂h/∂x formed by a differentiable pass summing as `accumulation` says.
  func probedProduct(_ variables: [Variable], _ accumulation: GradientAccumulation) -> Variable {
    // Finite differences call this with constants; the product needs an x to differentiate by.
    let x = variables[0].requiresGradient ? variables[0] : Variable(variables[0].value, requiresGradient: true)
    let (weight, scales, slope) = (variables[1], variables[2], variables[3])
    let activated = Variable.swish(order: 0, Variable.affine(x, weight: weight), slope: slope.softplus(), scale: 0.9)
    let output = Variable.concatenatingLastAxis([x, activated], scaledBy: scales)
    let product = Gradients.of(output, withRespectTo: [x], seed: Variable(vector), mode: .differentiable, accumulation: accumulation)[0]
    return (product * Variable(probe)).sum()
  }

  /// vᵀ·∂h/∂x as a differentiable graph, then the gradient of ⟨vᵀ·∂h/∂x, probe⟩ with respect to
  /// x, W, η and β̃; the bits of both.
  func results(_ accumulation: GradientAccumulation, threads: Int) -> [[UInt32]] {
    Parallelism.withThreads(threads) {
      let variables = inputs.map { Variable($0, requiresGradient: true) }
      let (x, weight, scales, slope) = (variables[0], variables[1], variables[2], variables[3])
      let activated = Variable.swish(order: 0, Variable.affine(x, weight: weight), slope: slope.softplus(), scale: 0.9)
      let output = Variable.concatenatingLastAxis([x, activated], scaledBy: scales)
      let product = Gradients.of(output, withRespectTo: [x], seed: Variable(vector), mode: .differentiable, accumulation: accumulation)[0]
      let gradients = Gradients.of((product * Variable(probe)).sum(), withRespectTo: variables, accumulation: accumulation)
      return ([product] + gradients).map { $0.value.scalars.map(\.bitPattern) }
    }
  }
}

@Suite("Products that start from an accumulated gradient")
struct ProductAddingSumTests {
  @Test(
    "A differentiable pass that starts a product's gradient from the one its input holds gives the bits of the product and then the sum, and so do the gradients of that pass",
    arguments: [
      ([37, 40], 90), ([37, 2], 90), ([37, 40], 3), ([3, 9, 21], 17), ([500, 92], 90),
    ] as [([Int], Int)])
  func productAddingTheSumMatchesTheSum(shape: [Int], outputs: Int) {
    // Depth 90 (the toy i-DenseNet's growth), 3 (a product of depth ≤ 4), 17; 2 columns (a
    // narrow product); a rank-3 input (the layer reshapes its gradient); 500 rows (split among
    // threads).
    let layer = DenseLayerProbe(shape: shape, outputs: outputs)
    for threads in [1, 2, 3] {
      let separate = layer.results(.freshTensors, threads: threads)
      let fused = layer.results(.inPlace, threads: threads)
      for (index, (expected, actual)) in zip(separate, fused).enumerated() {
        #expect(actual == expected, "result \(index) (0: the product, then x, W, η, β̃), \(threads) threads")
      }
    }
  }

  @Test("The gradients of a differentiable pass whose products start from accumulated gradients agree with finite differences")
  func productAddingTheSumAgreesWithFiniteDifferences() {
    let layer = DenseLayerProbe(shape: [6, 5], outputs: 4)
    let report = GradientCheck.check(inputs: layer.inputs, coordinatesPerInput: 12) { layer.probedProduct($0, .inPlace) }
    #expect(report.passed, "\(report)")
  }
}

/// Graphs in which the gradient an input holds when a product's gradient reaches it is still read
/// by someone else, so the differentiable pass must add the product into a new tensor. Each is
/// laid out so that the backward pass reaches x through the other operation first (with the
/// product's operation first, nothing is accumulated when the product arrives and the graph
/// tests nothing: checked by removing each condition of the in-place sum in turn).
private enum SharedSumGraph: String, CaseIterable, CustomStringConvertible {
  case sharedSlice = "shared slice"
  case valueReadByItsRule = "value read by its rule"

  var description: String { rawValue }

  /// The graph's output from its inputs.
  func callAsFunction(_ variables: [Variable]) -> Variable {
    switch self {
    case .sharedSlice: SharedSumGraphs.sharedSlice(variables)
    case .valueReadByItsRule: SharedSumGraphs.valueReadByItsRule(variables)
    }
  }
}

private enum SharedSumGraphs {
  /// x `[rows, 12]`, z like x, W `[12, 12]`, η `[2]`, d like x (positive).
  static func inputs(rows: Int) -> [Tensor] {
    [
      randomTensor([rows, 12], seed: 51), randomTensor([rows, 12], seed: 52), randomTensor([12, 12], seed: 53, scale: 0.3),
      Tensor(shape: [2], scalars: [0.8, 0.6]), randomTensor([rows, 12], seed: 54, positive: true),
    ]
  }

  /// [η₁·xWᵀ, η₂·(x + z)]: the concatenation's scaled slice goes to x and z as one variable
  /// (the adjoint of a sum), then x's product through W arrives.
  static func sharedSlice(_ variables: [Variable]) -> Variable {
    let (x, z, weight, scales) = (variables[0], variables[1], variables[2], variables[3])
    return Variable.concatenatingLastAxis([Variable.affine(x, weight: weight), x + z], scaledBy: scales)
  }

  /// xWᵀ + x / d: x's first gradient is g / d, whose backward rule reads its own value (for d's
  /// gradient), then x's product through W arrives.
  static func valueReadByItsRule(_ variables: [Variable]) -> Variable {
    let (x, weight, divisor) = (variables[0], variables[2], variables[4])
    return Variable.affine(x, weight: weight) + x / divisor
  }

  /// The vector-Jacobian product with respect to x and z of `graph`, taken as a differentiable
  /// pass summing as `accumulation` says, and the gradients of ⟨product, probe⟩ with respect to
  /// every input; the bits of all.
  static func results(_ graph: ([Variable]) -> Variable, rows: Int, _ accumulation: GradientAccumulation) -> [[UInt32]] {
    let variables = inputs(rows: rows).map { Variable($0, requiresGradient: true) }
    let output = graph(variables)
    let seed = Variable(randomTensor(output.shape, seed: 55))
    let products = Gradients.of(output, withRespectTo: [variables[0], variables[1]], seed: seed, mode: .differentiable, accumulation: accumulation)
    let probe = Variable(randomTensor(variables[0].shape, seed: 56))
    let gradients = Gradients.of(((products[0] + products[1]) * probe).sum(), withRespectTo: variables, accumulation: accumulation)
    return (products + gradients).map { $0.value.scalars.map(\.bitPattern) }
  }
}

extension ProductAddingSumTests {
  @Test(
    "A product's gradient is not added over an accumulated gradient that another variable also holds, nor over one whose own rule reads it",
    arguments: SharedSumGraph.allCases)
  private func productsDoNotWriteOverGradientsOthersRead(graph: SharedSumGraph) {
    for rows in [5, 37] {
      let separate = SharedSumGraphs.results(graph.callAsFunction, rows: rows, .freshTensors)
      let fused = SharedSumGraphs.results(graph.callAsFunction, rows: rows, .inPlace)
      for (index, (expected, actual)) in zip(separate, fused).enumerated() {
        #expect(actual == expected, "\(graph), \(rows) rows: result \(index) (0, 1: the products for x and z, then x, z, W, η, d)")
      }
    }
  }
}
