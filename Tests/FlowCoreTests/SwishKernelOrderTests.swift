import FlowCore
import Testing

/// The swish kernels dispatch on the derivative order once per block (a type parameter per
/// order); these tests check every order of the fused kernels against the elementwise ones, on a
/// tensor large enough for several sum blocks, a partial last block and a partial last vector.
@Suite("Swish kernels of every order")
struct SwishKernelOrderTests {
  static let shape = [3, 21_847]  // 65,541 elements: 17 sum blocks of 4,096, the last with 5

  @Test("The fused gradients of every order equal the products of the elementwise derivative kernels", arguments: 0...4)
  func fusedGradientsMatchDerivativeKernels(order: Int) {
    let input = randomTensor(SwishKernelOrderTests.shape, seed: 11, scale: 3)
    let multiplier = randomTensor(SwishKernelOrderTests.shape, seed: 12)
    let upstream = randomTensor(SwishKernelOrderTests.shape, seed: 13)
    let (slope, scale): (Float, Float) = (0.8, 0.9)
    for threads in [1, 2] {
      let fused = Parallelism.withThreads(threads) {
        SwishKernels.gradients(
          order: order, input: input, slope: slope, scale: scale, multiplier: multiplier, upstream: upstream,
          selection: [.multiplier, .input, .slope])
      }
      let value = SwishKernels.derivative(order: order, input: input, slope: slope, scale: scale, multiplier: nil)
      let next = nextDerivative(order: order, input: input, slope: slope, scale: scale)
      let slopeTerm = SwishKernels.slopeDerivative(order: order, input: input, slope: slope, scale: scale, multiplier: nil)
      let expectedMultiplier = upstream * value
      let expectedInput = upstream * multiplier * next
      let expectedSlope = innerProduct(upstream * multiplier, slopeTerm)
      #expect(maximumDifference(fused.multiplier!, expectedMultiplier) <= 1e-5 * max(1, maximumMagnitude(expectedMultiplier)))
      let inputTolerance: Float = order < SwishKernels.maximumOrder ? 1e-5 : 2e-3
      #expect(maximumDifference(fused.input!, expectedInput) <= inputTolerance * max(1, maximumMagnitude(expectedInput)))
      #expect(abs(Double(fused.slope!) - expectedSlope) <= 1e-4 * max(1, abs(expectedSlope)), "order \(order): \(fused.slope!) vs \(expectedSlope)")
    }
  }

  /// ∂ⁿ⁺¹h/∂xⁿ⁺¹ from the kernel where it exists, else (n = 4) a central difference of ∂⁴h/∂x⁴.
  func nextDerivative(order: Int, input: Tensor, slope: Float, scale: Float) -> Tensor {
    if order < SwishKernels.maximumOrder {
      return SwishKernels.derivative(order: order + 1, input: input, slope: slope, scale: scale, multiplier: nil)
    }
    let step: Float = 1e-2
    let plus = SwishKernels.derivative(order: order, input: input + step, slope: slope, scale: scale, multiplier: nil)
    let minus = SwishKernels.derivative(order: order, input: input - step, slope: slope, scale: scale, multiplier: nil)
    return (plus - minus) * (1 / (2 * step))
  }

  @Test("A derivative with a multiplier is the multiplier times the derivative without one, bit for bit", arguments: 0...4)
  func multiplierScalesTheDerivative(order: Int) {
    let input = randomTensor(SwishKernelOrderTests.shape, seed: 21, scale: 3)
    let multiplier = randomTensor(SwishKernelOrderTests.shape, seed: 22)
    for threads in [1, 2] {
      Parallelism.withThreads(threads) {
        let plain = SwishKernels.derivative(order: order, input: input, slope: 1.3, scale: 0.7, multiplier: nil)
        let weighted = SwishKernels.derivative(order: order, input: input, slope: 1.3, scale: 0.7, multiplier: multiplier)
        #expect(weighted == multiplier * plain)
        let slopePlain = SwishKernels.slopeDerivative(order: order, input: input, slope: 1.3, scale: 0.7, multiplier: nil)
        let slopeWeighted = SwishKernels.slopeDerivative(order: order, input: input, slope: 1.3, scale: 0.7, multiplier: multiplier)
        #expect(slopeWeighted == multiplier * slopePlain)
      }
    }
  }

  @Test(
    "A kernel that finds σ(βx) not yet computed computes it in its own pass: the bits of the sigmoid pass the gradients take, and it keeps those bits",
    arguments: 0...4)
  func sigmoidComputedInPassMatchesSigmoidPass(order: Int) {
    let values = randomTensor(SwishKernelOrderTests.shape, seed: 31, scale: 3).scalars
    let multiplier = randomTensor(SwishKernelOrderTests.shape, seed: 32)
    let upstream = randomTensor(SwishKernelOrderTests.shape, seed: 33)
    let fresh = { Tensor(shape: SwishKernelOrderTests.shape, scalars: values) }
    for threads in [1, 2, 3] {
      Parallelism.withThreads(threads) {
        // σ from the gradient kernels' own sigmoid pass, kept with `reference`; σ computed by a
        // derivative kernel on first use, kept with `primed`.
        let (reference, primed) = (fresh(), fresh())
        _ = SwishKernels.gradients(
          order: 0, input: reference, slope: 1.3, scale: 0.7, multiplier: nil, upstream: upstream, selection: [.input])
        _ = SwishKernels.derivative(order: 0, input: primed, slope: 1.3, scale: 0.7, multiplier: nil)
        for weights in [nil, multiplier] {
          let expected = SwishKernels.derivative(order: order, input: reference, slope: 1.3, scale: 0.7, multiplier: weights)
          let computed = SwishKernels.derivative(order: order, input: fresh(), slope: 1.3, scale: 0.7, multiplier: weights)
          let kept = SwishKernels.derivative(order: order, input: primed, slope: 1.3, scale: 0.7, multiplier: weights)
          #expect(computed == expected, "computed σ, order \(order), \(threads) threads")
          #expect(kept == expected, "kept σ, order \(order), \(threads) threads")
          let expectedSlope = SwishKernels.slopeDerivative(order: order, input: reference, slope: 1.3, scale: 0.7, multiplier: weights)
          #expect(SwishKernels.slopeDerivative(order: order, input: fresh(), slope: 1.3, scale: 0.7, multiplier: weights) == expectedSlope)
          #expect(SwishKernels.slopeDerivative(order: order, input: primed, slope: 1.3, scale: 0.7, multiplier: weights) == expectedSlope)
        }
      }
    }
  }
}
