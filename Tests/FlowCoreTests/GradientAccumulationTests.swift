import FlowCore
import Testing

/// A graph in which one input, x `[rows, 300]`, receives gradients from every kind of operation
/// that adds into an accumulated gradient in place: a swish kernel, a scaled slice's adjoint, a
/// product of one depth block (through a scaled concatenation and a fully connected layer), a
/// deeper product that cannot fold (depth 300), an input used twice (x·x), and a sum x + y whose
/// one upstream tensor both x and y receive.
private struct AccumulationGraph {
  /// x, y, the deep product's matrix, the layer's weight, the concatenation's scales, the
  /// slice's scale and the swish slope.
  let inputs: [Tensor]
  /// The weights of x + y in the loss: y's gradient, exactly.
  let sumWeights: Tensor

  init(rows: Int) {
    inputs = [
      randomTensor([rows, 300], seed: 1), randomTensor([rows, 300], seed: 2), randomTensor([300, 300], seed: 3, scale: 0.05),
      randomTensor([40, 600], seed: 4, scale: 0.05), Tensor(shape: [2], scalars: [0.7, 0.6]), Tensor(shape: [1], scalars: [1.3]),
      Tensor(shape: [1], scalars: [0.9]),
    ]
    sumWeights = randomTensor([rows, 300], seed: 5)
  }

  func loss(_ variables: [Variable]) -> Variable {
    let (x, y, deep, layer) = (variables[0], variables[1], variables[2], variables[3])
    let activated = Variable.swish(order: 1, x, slope: variables[6], scale: 0.9)
    let slice = x.slicingLastAxis(10..<50, scaledBy: variables[5])
    let layerOutput = Variable.affine(Variable.concatenatingLastAxis([x, activated], scaledBy: variables[4]), weight: layer)
    let deepOutput = Variable.matrixProduct(x, deep)
    let terms = [
      (activated * activated).sum(), (slice * slice).sum(), (layerOutput * layerOutput).sum(),
      (deepOutput * deepOutput).sum(), ((x + y) * Variable(sumWeights)).sum(), (x * x).sum(),
    ]
    return terms.dropFirst().reduce(terms[0], +)
  }

  func gradients(_ accumulation: GradientAccumulation, threads: Int) -> [Tensor] {
    Parallelism.withThreads(threads) {
      let variables = inputs.map { Variable($0, requiresGradient: true) }
      return Gradients.of(loss(variables), withRespectTo: variables, accumulation: accumulation).map(\.value)
    }
  }
}

@Suite("Gradient accumulation")
struct GradientAccumulationTests {
  @Test("Adding gradients in place gives the bits of adding them into fresh tensors, at one and two threads", arguments: [1, 2])
  func inPlaceMatchesFresh(threads: Int) {
    let graph = AccumulationGraph(rows: 64)
    let fresh = graph.gradients(.freshTensors, threads: threads)
    let inPlace = graph.gradients(.inPlace, threads: threads)
    for (index, (expected, actual)) in zip(fresh, inPlace).enumerated() {
      #expect(actual.shape == expected.shape)
      #expect(actual.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "gradient \(index) differs")
    }
  }

  @Test("A sum's upstream that several inputs share is not written by the gradients added to one of them")
  func sharedUpstreamIsNotWritten() {
    // In (2x + x) + y every input of both sums receives the one upstream tensor w; x holds it
    // when the gradient of 2x arrives, so adding that in place would turn y's gradient into 3w.
    let (x, y) = (Variable(randomTensor([64, 300], seed: 1), requiresGradient: true), Variable(randomTensor([64, 300], seed: 2), requiresGradient: true))
    let weights = randomTensor([64, 300], seed: 3)
    let loss = ((x * 2 + x + y) * Variable(weights)).sum()
    let gradients = Gradients.of(loss, withRespectTo: [x, y], accumulation: .inPlace).map(\.value)
    #expect(gradients[1].scalars.map(\.bitPattern) == weights.scalars.map(\.bitPattern))
    #expect(gradients[0].scalars.map(\.bitPattern) == (weights + weights * 2).scalars.map(\.bitPattern))
  }

  /// The bit patterns of a tensor's elements.
  static func bits(_ tensor: Tensor) -> [UInt32] { tensor.scalars.map(\.bitPattern) }

  /// swish(1.5·x) weighted by `weights` and summed: the swish's upstream, weights · 1 from the
  /// product, is a tensor only the backward pass holds.
  static func weightedSwish(_ x: Variable, slope: Variable, weights: Tensor) -> (activated: Variable, total: Variable) {
    let activated = Variable.swish(order: 0, x * 1.5, slope: slope, scale: 0.9)
    return (activated, (activated * Variable(weights)).sum())
  }

  @Test("A swish input gradient written over the upstream gives the bits of a fresh tensor", arguments: [1, 2])
  func swishInputGradientOverUpstream(threads: Int) {
    Parallelism.withThreads(threads) {
      let (x, slope) = (Variable(randomTensor([64, 300], seed: 6), requiresGradient: true), Variable(Tensor(shape: [1], scalars: [0.9]), requiresGradient: true))
      let total = Self.weightedSwish(x, slope: slope, weights: randomTensor([64, 300], seed: 7)).total
      let inPlace = Gradients.of(total, withRespectTo: [x, slope], accumulation: .inPlace).map(\.value)
      let fresh = Gradients.of(total, withRespectTo: [x, slope], accumulation: .freshTensors).map(\.value)
      #expect(inPlace.map(Self.bits) == fresh.map(Self.bits))
    }
  }

  @Test("A swish's input and multiplier gradients, over the upstream or added into their inputs' gradients, give the bits of fresh tensors", arguments: [1, 2])
  func swishMultiplierGradientInPlace(threads: Int) {
    Parallelism.withThreads(threads) {
      let (x, w) = (Variable(randomTensor([64, 300], seed: 6), requiresGradient: true), Variable(randomTensor([64, 300], seed: 9), requiresGradient: true))
      let slope = Variable(Tensor(shape: [1], scalars: [0.9]), requiresGradient: true)
      // z and m are used again, so their gradients may be accumulated before the swish's arrive.
      let (z, m) = (x * 1.5, w * 2)
      let weighted = Variable.swish(order: 1, z, slope: slope, scale: 0.9, multiplier: m)
      let total = (weighted * Variable(randomTensor([64, 300], seed: 7))).sum() + (z * z).sum() + (m * m).sum()
      let inPlace = Gradients.of(total, withRespectTo: [x, w, slope], accumulation: .inPlace).map(\.value)
      let fresh = Gradients.of(total, withRespectTo: [x, w, slope], accumulation: .freshTensors).map(\.value)
      #expect(inPlace.map(Self.bits) == fresh.map(Self.bits))
    }
  }

  @Test("An upstream that is a target's gradient or the caller's seed is not written over")
  func targetAndSeedUpstreamsAreKept() {
    let (x, slope) = (Variable(randomTensor([64, 300], seed: 6), requiresGradient: true), Variable(Tensor(shape: [1], scalars: [0.9]), requiresGradient: true))
    let weights = randomTensor([64, 300], seed: 7)
    let (activated, total) = Self.weightedSwish(x, slope: slope, weights: weights)
    let fresh = Gradients.of(total, withRespectTo: [x], accumulation: .freshTensors)[0].value
    let withOutput = Gradients.of(total, withRespectTo: [x, activated], accumulation: .inPlace).map(\.value)
    #expect(Self.bits(withOutput[1]) == Self.bits(weights), "the target's gradient was written over")
    #expect(Self.bits(withOutput[0]) == Self.bits(fresh))
    let seed = randomTensor([64, 300], seed: 8)
    let seedBits = Self.bits(seed)
    _ = Gradients.of(activated, withRespectTo: [x], seed: Variable(seed), accumulation: .inPlace)
    #expect(Self.bits(seed) == seedBits, "the caller's seed was written over")
  }

  @Test("A scaled slice's adjoint added in place turns a −0 outside the slice into +0, as adding its padded tensor does", arguments: [1, 2])
  func negativeZeroOutsideTheSliceBecomesPositive(threads: Int) {
    // x·w sends x the gradient w, −0 in every column outside the slice; the slice's adjoint adds
    // +0 there, and −0 + +0 is +0.
    let (rows, columns, range) = (32, 40, 8..<24)
    let weights = Tensor(shape: [rows, columns], scalars: (0..<(rows * columns)).map { range.contains($0 % columns) ? 0.5 : -0.0 })
    let gradients = [GradientAccumulation.inPlace, .freshTensors].map { accumulation in
      Parallelism.withThreads(threads) {
        let (x, scale) = (Variable(randomTensor([rows, columns], seed: 7), requiresGradient: true), Variable(Tensor(shape: [1], scalars: [1.5]), requiresGradient: true))
        let loss = (x.slicingLastAxis(range, scaledBy: scale).sum() + (x * Variable(weights)).sum())
        return Gradients.of(loss, withRespectTo: [x, scale], accumulation: accumulation)[0].value
      }
    }
    let (identical, negativeZeros) = (Self.bits(gradients[0]) == Self.bits(gradients[1]), gradients[0].scalars.filter { $0 == 0 && $0.sign == .minus }.count)
    #expect(identical, "in place and fresh differ")
    #expect(negativeZeros == 0, "\(negativeZeros) −0 left outside the slice")
  }

  @Test(
    "A scaled slice's gradients, adjoint and scale's sum taken in one pass on one thread, give the bits of slicing and then multiplying",
    arguments: [1, 2, 3])
  func scaledSliceGradientsMatchSliceTimesScale(threads: Int) {
    // 37 rows of an 18-column slice: 666 products, whose blocks of 16 straddle rows, and rows
    // that end in a partial vector. x also feeds a product, whose gradient reaches x after the
    // slice's adjoint or, when it comes first in the loss, before it (so that in place the
    // adjoint is added into the gradient x holds).
    let (rows, columns, range) = (37, 40, 3..<21)
    let (weights, other) = (randomTensor([rows, range.count], seed: 8), randomTensor([rows, columns], seed: 9))
    for accumulation in [GradientAccumulation.inPlace, .freshTensors] {
      for productFirst in [false, true] {
        let gradients = { (fused: Bool) in
          Parallelism.withThreads(threads) {
            let (x, scale) = (Variable(randomTensor([rows, columns], seed: 10), requiresGradient: true), Variable(Tensor(shape: [1], scalars: [-1.7]), requiresGradient: true))
            let product = productFirst ? (x * Variable(other)).sum() : nil
            let slice = fused ? x.slicingLastAxis(range, scaledBy: scale) : x.slicingLastAxis(range) * scale
            let sliceTerm = (slice * Variable(weights)).sum()
            let loss = product.map { $0 + sliceTerm } ?? sliceTerm + (x * Variable(other)).sum()
            return Gradients.of(loss, withRespectTo: [x, scale], accumulation: accumulation).map { Self.bits($0.value) }
          }
        }
        #expect(gradients(true) == gradients(false), "\(accumulation), product first: \(productFirst), \(threads) threads")
      }
    }
  }

  @Test("Gradients accumulated in place agree with finite differences")
  func agreesWithFiniteDifferences() {
    let graph = AccumulationGraph(rows: 4)
    let report = GradientCheck.check(inputs: graph.inputs, coordinatesPerInput: 16, function: graph.loss)
    #expect(report.passed, "\(report)")
  }
}
