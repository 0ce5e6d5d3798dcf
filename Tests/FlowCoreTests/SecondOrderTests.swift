import Dispatch
import FlowCore
import Foundation
import Testing

/// A 2-layer LipSwish MLP g(x) = W₂·LipSwish(W₁x + b₁) + b₂ on `[batch, features]`.
func multilayerPerceptron(_ inputs: [Variable]) -> Variable {
  let (x, w1, b1, rawSlope, w2, b2) = (inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5])
  let hidden = Variable.affine(x, weight: w1, bias: b1).lipSwish(rawSlope: rawSlope)
  return Variable.affine(hidden, weight: w2, bias: b2)
}

/// A small conv net g(x) = conv₂(LipSwish(conv₁(x) + b₁)) + b₂ on `[N, H, W, C]`, 3×3 kernels.
func convolutionalNet(_ inputs: [Variable]) -> Variable {
  let (x, w1, b1, rawSlope, w2, b2) = (inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5])
  let hidden = (Variable.convolution(x, weight: w1, padding: 1) + b1).lipSwish(rawSlope: rawSlope)
  return Variable.convolution(hidden, weight: w2, padding: 1) + b2
}

/// Σₖ cₖ · vᵀ J_g(x)ᵏ v over the batch, with J = ∂g/∂x and the vector-Jacobian products
/// taken in differentiable mode, so the result can be differentiated in x and in the weights
/// (the structure of the power-series log-determinant estimators).
func powerSeriesQuadraticForm(
  _ network: @escaping ([Variable]) -> Variable, probe: Tensor, coefficients: [Float]
) -> ([Variable]) -> Variable {
  { inputs in
    let x = inputs[0].requiresGradient ? inputs[0] : Variable(inputs[0].value, requiresGradient: true)
    let parameters = inputs.dropFirst().map { $0.requiresGradient ? $0 : Variable($0.value, requiresGradient: true) }
    let output = network([x] + parameters)
    let v = Variable(probe)
    var w = v
    var total: Variable? = nil
    for coefficient in coefficients {
      w = Gradients.of(output, withRespectTo: [x], seed: w, mode: .differentiable)[0]
      let term = (w * v).sum() * coefficient
      total = total.map { $0 + term } ?? term
    }
    return total!
  }
}

@Suite("Second-order gradients")
struct SecondOrderTests {
  static let mlpShapes: [[Int]] = [[5, 3], [8, 3], [8], [], [3, 8], [3]]
  static let convShapes: [[Int]] = [[2, 4, 4, 2], [3, 3, 3, 2], [3], [], [2, 3, 3, 3], [2]]

  func point(_ shapes: [[Int]]) -> [Tensor] {
    shapes.enumerated().map { randomTensor($1, seed: 30 + UInt64($0), scale: 0.7) }
  }

  @Test("∂/∂x and ∂/∂θ of vᵀJv for a 2-layer LipSwish MLP match finite differences")
  func quadraticFormOfMultilayerPerceptron() {
    let probe = randomTensor([5, 3], seed: 99)
    let report = GradientCheck.check(
      inputs: point(Self.mlpShapes), coordinatesPerInput: 30,
      function: powerSeriesQuadraticForm(multilayerPerceptron, probe: probe, coefficients: [1]))
    #expect(report.passed, "\(report)")
  }

  @Test("∂/∂x and ∂/∂θ of vᵀJv for a small LipSwish conv net match finite differences")
  func quadraticFormOfConvolutionalNet() {
    let probe = randomTensor([2, 4, 4, 2], seed: 98)
    let report = GradientCheck.check(
      inputs: point(Self.convShapes), coordinatesPerInput: 30,
      function: powerSeriesQuadraticForm(convolutionalNet, probe: probe, coefficients: [1]))
    #expect(report.passed, "\(report)")
  }

  @Test("Gradients of a three-term power series vᵀ(J − J²/2 + J³/3)v match finite differences")
  func powerSeriesOfMultilayerPerceptron() {
    let probe = randomTensor([5, 3], seed: 97)
    let report = GradientCheck.check(
      inputs: point(Self.mlpShapes), coordinatesPerInput: 30,
      function: powerSeriesQuadraticForm(multilayerPerceptron, probe: probe, coefficients: [1, -0.5, 1.0 / 3]))
    #expect(report.passed, "\(report)")
  }

  @Test("vᵀJv from vector-Jacobian products equals vᵀJv from the explicit Jacobian")
  func quadraticFormMatchesExplicitJacobian() {
    let inputs = point(Self.mlpShapes)
    let x = Variable(randomTensor([1, 3], seed: 7), requiresGradient: true)
    let parameters = inputs.dropFirst().map { Variable($0) }
    let output = multilayerPerceptron([x] + parameters)
    var jacobian = [[Float]](repeating: [0, 0, 0], count: 3)
    for row in 0..<3 {
      var seed = Tensor.zeros([1, 3])
      seed[flat: row] = 1
      let gradient = Gradients.of(output, withRespectTo: [x], seed: Variable(seed))[0].value
      for column in 0..<3 { jacobian[row][column] = gradient[flat: column] }
    }
    let v = randomTensor([1, 3], seed: 8)
    var explicit: Float = 0
    for row in 0..<3 { for column in 0..<3 { explicit += v[flat: row] * jacobian[row][column] * v[flat: column] } }
    let viaProducts = powerSeriesQuadraticForm(multilayerPerceptron, probe: v, coefficients: [1])([x] + parameters).value.scalar
    #expect(abs(explicit - viaProducts) < 1e-5)
  }
}

@Suite("The checks can fail")
struct BrokenDerivativeTests {
  /// y = x³ with a backward rule scaled by `factor` (1 is correct).
  static func cube(_ x: Variable, factor: Float) -> Variable {
    Variable.record(x.value * x.value * x.value, name: "brokenCube", inputs: [x]) { context in
      let x = context.inputs[0]
      return [context.upstream * x * x * (3 * factor)]
    }
  }

  /// y = x² whose backward rule uses x as a constant, so it is right to first order but
  /// drops the second-order term.
  static func squareDetachedInBackward(_ x: Variable) -> Variable {
    Variable.record(x.value * x.value, name: "brokenSquare", inputs: [x]) { context in
      [context.upstream * context.inputs[0].detached * 2]
    }
  }

  @Test("A derivative off by 3 % is caught", arguments: [1.03 as Float, 0.97])
  func slightlyWrongDerivativeFails(factor: Float) {
    let input = randomTensor([4, 5], seed: 1)
    let broken = GradientCheck.check(inputs: [input]) { Self.cube($0[0], factor: factor) }
    let correct = GradientCheck.check(inputs: [input]) { Self.cube($0[0], factor: 1) }
    #expect(!broken.passed, "\(broken)")
    #expect(correct.passed, "\(correct)")
  }

  @Test("A derivative with the wrong sign is caught")
  func wrongSignFails() {
    let input = randomTensor([4, 5], seed: 2)
    #expect(!GradientCheck.check(inputs: [input]) { Self.cube($0[0], factor: -1) }.passed)
  }

  @Test("A backward rule that is right to first order but not differentiable is caught by the second-order check")
  func missingSecondOrderTermFails() {
    let input = randomTensor([3, 4], seed: 3)
    let firstOrder = GradientCheck.check(inputs: [input]) { Self.squareDetachedInBackward($0[0]).sin3() }
    #expect(firstOrder.passed, "\(firstOrder)")
    let probe = randomTensor([3, 4], seed: 4)
    let secondOrder = GradientCheck.check(inputs: [input]) { inputs in
      let x = inputs[0].requiresGradient ? inputs[0] : Variable(inputs[0].value, requiresGradient: true)
      let gradient = Gradients.of(
        Self.squareDetachedInBackward(x).sin3().sum(), withRespectTo: [x], mode: .differentiable)[0]
      return (gradient * Variable(probe)).sum()
    }
    #expect(!secondOrder.passed, "\(secondOrder)")
  }
}

extension Variable {
  /// A smooth nonlinearity (x·σ(x) + x) to make second derivatives non-trivial in the tests.
  func sin3() -> Variable { self * sigmoid() + self }
}

@Suite("Graph lifetime")
struct GraphLifetimeTests {
  @Test("A chain of 200,000 operations is built, differentiated and released on a 512 KB stack")
  func deepGraphsDoNotOverflowTheStack() {
    let done = DispatchSemaphore(value: 0)
    final class Box: @unchecked Sendable { var gradient: Float = 0 }
    let box = Box()
    let thread = Thread {
      let leaf = Variable(Tensor(shape: [2], scalars: [1, 2]), requiresGradient: true)
      var chain = leaf
      for _ in 0..<200_000 { chain = chain + 0.5 }
      box.gradient = Gradients.of(chain.sum(), withRespectTo: [leaf])[0].value[flat: 0]
      chain = leaf
      done.signal()
    }
    thread.stackSize = 512 << 10
    thread.start()
    done.wait()
    #expect(box.gradient == 1)
  }
}
