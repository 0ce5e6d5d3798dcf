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
