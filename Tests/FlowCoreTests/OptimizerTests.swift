import FlowCore
import Foundation
import Testing

@Suite("Optimizers")
struct OptimizerTests {
  /// Reference Adam on one scalar in double precision, written out from Kingma & Ba, Algorithm 1.
  func referenceAdam(
    start: Double, gradients: [Double], rate: Double, betas: (Double, Double), l2: Double = 0,
    decoupled: Double = 0
  ) -> Double {
    var (theta, m, v) = (start, 0.0, 0.0)
    for (index, rawGradient) in gradients.enumerated() {
      let t = Double(index + 1)
      let g = rawGradient + l2 * theta
      m = betas.0 * m + (1 - betas.0) * g
      v = betas.1 * v + (1 - betas.1) * g * g
      let mHat = m / (1 - pow(betas.0, t))
      let vHat = v / (1 - pow(betas.1, t))
      theta -= rate * mHat / (vHat.squareRoot() + 1e-8) + rate * decoupled * theta
    }
    return theta
  }

  @Test("Adam with bias correction matches the algorithm written out", arguments: [(0.9, 0.999), (0.9, 0.99)])
  func adamMatchesReference(betas: (Double, Double)) {
    let parameter = Parameter(name: "w", value: Tensor(shape: [2], scalars: [0.5, -1.5]))
    let adam = Adam(parameters: [parameter], betas: (Float(betas.0), Float(betas.1)))
    let gradientSequence: [[Float]] = [[0.3, -0.1], [0.2, 0.4], [-0.5, 0.05], [0.1, 0.1]]
    for gradient in gradientSequence {
      adam.update(gradients: [Tensor(shape: [2], scalars: gradient)], learningRate: 0.01)
    }
    for coordinate in 0..<2 {
      let expected = referenceAdam(
        start: coordinate == 0 ? 0.5 : -1.5, gradients: gradientSequence.map { Double($0[coordinate]) },
        rate: 0.01, betas: betas)
      #expect(abs(Double(parameter.value[flat: coordinate]) - expected) < 1e-6)
    }
    #expect(adam.step == 4)
  }

  @Test("Adam updates every element of parameters of several sizes as written out, with the same bits at 1, 2 and 3 threads")
  func adamIsTheSameForEveryThreadCount() {
    let shapes = [[5], [100, 97], [7], [64, 300], [1]]
    let gradients = (0..<3).map { step in shapes.indices.map { randomTensor(shapes[$0], seed: UInt64(100 * step + $0)) } }
    let (rate, betas, epsilon): (Float, (Float, Float), Float) = (0.01, (0.9, 0.99), 1e-8)
    var expected = shapes.indices.map { randomTensor(shapes[$0], seed: UInt64(50 + $0)) }
    var moments = expected.map { [Float](repeating: 0, count: $0.count) }
    var squares = moments
    for (step, stepGradients) in gradients.enumerated() {
      let correction1 = 1 - Float(pow(Double(betas.0), Double(step + 1)))
      let inverseRoot2 = 1 / (1 - Float(pow(Double(betas.1), Double(step + 1)))).squareRoot()
      for index in shapes.indices {
        for i in 0..<expected[index].count {
          let g = stepGradients[index][flat: i]
          moments[index][i] = betas.0 * moments[index][i] + (1 - betas.0) * g
          squares[index][i] = betas.1 * squares[index][i] + (1 - betas.1) * g * g
          let denominator = squares[index][i].squareRoot() * inverseRoot2 + epsilon
          expected[index][flat: i] -= rate / correction1 * moments[index][i] / denominator
        }
      }
    }
    for threads in [1, 2, 3] {
      let parameters = shapes.indices.map { Parameter(name: "p\($0)", value: randomTensor(shapes[$0], seed: UInt64(50 + $0))) }
      let adam = Adam(parameters: parameters, betas: betas, epsilon: epsilon)
      Parallelism.withThreads(threads) {
        for stepGradients in gradients { adam.update(gradients: stepGradients, learningRate: rate) }
      }
      #expect(parameters.map(\.value) == expected, "\(threads) threads")
    }
  }

  @Test("The first Adam step moves each coordinate by the learning rate against the gradient's sign")
  func firstAdamStepHasLearningRateSize() {
    let parameter = Parameter(name: "w", value: Tensor(shape: [3], scalars: [0, 0, 0]))
    Adam(parameters: [parameter]).update(gradients: [Tensor(shape: [3], scalars: [5, -0.01, 2])], learningRate: 1e-3)
    #expect(parameter.value.scalars.map { ($0 * 1e6).rounded() / 1e6 } == [-1e-3, 1e-3, -1e-3])
  }

  @Test("Weight decay is off by default and really applies when set")
  func weightDecayApplies() {
    let gradients: [Double] = [0.1, 0.1, 0.1]
    for decay in [WeightDecay.none, .l2(0.1), .decoupled(0.1)] {
      let parameter = Parameter(name: "w", value: Tensor(shape: [1], scalars: [2]))
      let adam = Adam(parameters: [parameter], weightDecay: decay)
      for gradient in gradients { adam.update(gradients: [Tensor(shape: [1], scalars: [Float(gradient)])], learningRate: 0.1) }
      let expected: Double
      switch decay {
      case .none: expected = referenceAdam(start: 2, gradients: gradients, rate: 0.1, betas: (0.9, 0.999))
      case .l2(let c): expected = referenceAdam(start: 2, gradients: gradients, rate: 0.1, betas: (0.9, 0.999), l2: Double(c))
      case .decoupled(let c): expected = referenceAdam(start: 2, gradients: gradients, rate: 0.1, betas: (0.9, 0.999), decoupled: Double(c))
      }
      #expect(abs(Double(parameter.value.scalar) - expected) < 1e-5, "\(decay)")
    }
    #expect(Adam(parameters: []).weightDecay == .none)
    let plain = referenceAdam(start: 2, gradients: gradients, rate: 0.1, betas: (0.9, 0.999))
    let decayed = referenceAdam(start: 2, gradients: gradients, rate: 0.1, betas: (0.9, 0.999), l2: 0.1)
    #expect(abs(plain - decayed) > 1e-4)
  }

  @Test("Clipping rescales gradients to the maximum global norm and leaves small ones alone")
  func clippingRescalesToMaximumNorm() {
    var large = [Tensor(shape: [2], scalars: [3, 0]), Tensor(shape: [1], scalars: [4])]
    let norm = GradientClipping.clipByGlobalNorm(&large, maximumNorm: 1)
    #expect(abs(norm - 5) < 1e-6)
    #expect(abs(GradientClipping.globalNorm(large) - 1) < 1e-5)
    #expect(abs(large[0][flat: 0] - 0.6) < 1e-5)
    var small = [Tensor(shape: [2], scalars: [0.3, 0.4])]
    GradientClipping.clipByGlobalNorm(&small, maximumNorm: 1)
    #expect(small[0].scalars == [0.3, 0.4])
  }

  @Test("Warmup rises linearly to the base rate and stays there")
  func warmupRisesLinearly() {
    let schedule = LearningRateSchedule.linearWarmup(1e-3, warmupIterations: 1000)
    #expect(abs(schedule.learningRate(at: 0) - 1e-6) < 1e-12)
    #expect(abs(schedule.learningRate(at: 499) - 5e-4) < 1e-9)
    #expect(schedule.learningRate(at: 999) == 1e-3)
    #expect(schedule.learningRate(at: 50_000) == 1e-3)
    #expect(LearningRateSchedule.constant(0.1).learningRate(at: 7) == 0.1)
  }

  @Test("The moving average starts at the first values, then decays geometrically, and swaps in only for a scope")
  func movingAverageFollowsDecay() {
    let parameter = Parameter(name: "w", value: Tensor(shape: [1], scalars: [1]))
    let average = ExponentialMovingAverage(parameters: [parameter], decay: 0.9)
    average.update()
    parameter.value = Tensor(shape: [1], scalars: [3])
    average.update()
    #expect(abs(average.averages[0].scalar - 1.2) < 1e-6)
    let inside = average.withAveragedParameters { parameter.value.scalar }
    #expect(abs(inside - 1.2) < 1e-6)
    #expect(parameter.value.scalar == 3)
  }
}
