import FlowCore
import Testing

/// Convolutions with at most 8 output channels are computed straight from the image; these tests
/// hold them to the bits of the im2col + GEMM route, which sums in the same order.
@Suite("Convolutions with few output channels")
struct NarrowConvolutionTests {
  /// Input `[N, H, W, C]`, output channels, kernel size, padding. Channel counts 300 and 512
  /// make depth blocks of 256 end inside a tap and on a tap's edge; widths 28, 14, 7 and 5 leave
  /// partial 8-pixel tiles; 1, 2–4 and 5–8 outputs take each accumulator layout.
  static let cases: [(input: [Int], outputs: Int, kernel: Int, padding: Int)] = [
    ([3, 28, 28, 4], 1, 3, 1),
    ([2, 14, 14, 300], 4, 3, 1),
    ([2, 7, 7, 512], 1, 3, 1),
    ([1, 5, 9, 6], 2, 3, 0),
    ([2, 6, 5, 3], 3, 5, 2),
    ([2, 9, 7, 17], 5, 3, 1),
    ([1, 14, 14, 40], 8, 3, 1),
    ([2, 4, 4, 2], 7, 3, 2),
  ]

  @Test("The direct kernel gives the im2col route's bits at 1, 2 and 3 threads", arguments: 0..<cases.count)
  func directKernelMatchesPatchMatrixBitForBit(index: Int) {
    let testCase = Self.cases[index]
    let input = randomTensor(testCase.input, seed: UInt64(200 + index))
    let weight = randomTensor([testCase.outputs, testCase.kernel, testCase.kernel, testCase.input[3]], seed: UInt64(300 + index), scale: 0.1)
    let expected = Convolution.forward(input, weight: weight, padding: testCase.padding, route: .patchMatrix)
    for threads in [1, 2, 3] {
      let direct = Parallelism.withThreads(threads) { Convolution.forward(input, weight: weight, padding: testCase.padding) }
      let identical = direct.scalars == expected.scalars  // a Bool: a failure need not print the tensors
      #expect(identical, "case \(index), \(threads) threads")
    }
  }

  @Test("The direct weight gradient gives the im2col route's bits at 1, 2 and 3 threads", arguments: 0..<cases.count)
  func directWeightGradientMatchesPatchMatrixBitForBit(index: Int) {
    let testCase = Self.cases[index]
    let (batch, height, width, channels) = (testCase.input[0], testCase.input[1], testCase.input[2], testCase.input[3])
    let padded = (channels + 63) / 64 * 64  // whole column groups for every layout
    let input = randomTensor([batch, height, width, padded], seed: UInt64(700 + index))
    let outputSize = (height + 2 * testCase.padding - testCase.kernel + 1, width + 2 * testCase.padding - testCase.kernel + 1)
    let gradient = randomTensor([batch, outputSize.0, outputSize.1, testCase.outputs], seed: UInt64(800 + index))
    let expected = Convolution.weightGradient(
      input: input, outputGradient: gradient, kernelHeight: testCase.kernel, kernelWidth: testCase.kernel,
      padding: testCase.padding, route: .patchMatrix)
    for threads in [1, 2, 3] {
      let direct = Parallelism.withThreads(threads) {
        Convolution.weightGradient(
          input: input, outputGradient: gradient, kernelHeight: testCase.kernel, kernelWidth: testCase.kernel, padding: testCase.padding)
      }
      let identical = direct.scalars == expected.scalars  // a Bool: a failure need not print the tensors
      #expect(identical, "case \(index), \(threads) threads")
    }
  }

  @Test("Over more pixels than one im2col chunk the direct weight gradient still sums in the chunks' blocks")
  func directWeightGradientOverSeveralChunks() {
    let input = randomTensor([6, 28, 28, 64], seed: 901)  // 4,704 pixels: two whole chunks and a partial one
    let gradient = randomTensor([6, 28, 28, 1], seed: 902)
    let expected = Convolution.weightGradient(
      input: input, outputGradient: gradient, kernelHeight: 3, kernelWidth: 3, padding: 1, route: .patchMatrix)
    let direct = Parallelism.withThreads(2) {
      Convolution.weightGradient(input: input, outputGradient: gradient, kernelHeight: 3, kernelWidth: 3, padding: 1)
    }
    let identical = direct.scalars == expected.scalars
    #expect(identical)
  }

  @Test("Kernels that are not square, and padding wider than a 1×1 kernel, give the im2col route's bits too")
  func nonSquareKernelsMatchPatchMatrix() {
    let input = randomTensor([2, 9, 11, 64], seed: 1001)
    for (index, kernel) in [(1, 3), (3, 1), (1, 1), (2, 5)].enumerated() {
      let weight = randomTensor([3, kernel.0, kernel.1, 64], seed: UInt64(1010 + index), scale: 0.1)
      let padding = kernel == (1, 1) ? 1 : 0
      let expected = Convolution.forward(input, weight: weight, padding: padding, route: .patchMatrix)
      let direct = Parallelism.withThreads(2) { Convolution.forward(input, weight: weight, padding: padding) }
      let gradient = randomTensor(expected.shape, seed: UInt64(1020 + index))
      let expectedGradient = Convolution.weightGradient(
        input: input, outputGradient: gradient, kernelHeight: kernel.0, kernelWidth: kernel.1, padding: padding, route: .patchMatrix)
      let directGradient = Parallelism.withThreads(2) {
        Convolution.weightGradient(input: input, outputGradient: gradient, kernelHeight: kernel.0, kernelWidth: kernel.1, padding: padding)
      }
      let identical = direct.scalars == expected.scalars && directGradient.scalars == expectedGradient.scalars
      #expect(identical, "kernel \(kernel)")
    }
  }

  @Test("The direct kernel matches a naive double-precision convolution")
  func directKernelMatchesNaiveLoops() {
    for (index, testCase) in Self.cases.enumerated() where testCase.input[3] <= 40 {
      let input = randomTensor(testCase.input, seed: UInt64(400 + index))
      let weight = randomTensor([testCase.outputs, testCase.kernel, testCase.kernel, testCase.input[3]], seed: UInt64(500 + index))
      let direct = Convolution.forward(input, weight: weight, padding: testCase.padding)
      #expect(maximumDifference(direct, naiveConvolution(input, weight, padding: testCase.padding)) < 1e-4, "case \(index)")
    }
  }

  @Test("With OpenBLAS bound, convolutions with few output channels go through im2col: the run's products come from one library")
  func openBLASConvolutionsSkipTheDirectKernel() {
    let input = randomTensor([2, 14, 14, 300], seed: 611)
    let weight = randomTensor([4, 3, 3, 300], seed: 612, scale: 0.05)
    let gradient = randomTensor([2, 14, 14, 4], seed: 613)
    Gemm.withBackend(.openBLAS) {
      let forward = Convolution.forward(input, weight: weight, padding: 1)
      let forwardIdentical = forward.scalars == Convolution.forward(input, weight: weight, padding: 1, route: .patchMatrix).scalars
      let weightGradient = Convolution.weightGradient(input: input, outputGradient: gradient, kernelHeight: 3, kernelWidth: 3, padding: 1)
      let reference = Convolution.weightGradient(
        input: input, outputGradient: gradient, kernelHeight: 3, kernelWidth: 3, padding: 1, route: .patchMatrix)
      let weightIdentical = weightGradient.scalars == reference.scalars
      #expect(forwardIdentical && weightIdentical)
    }
    // The same convolution with the package's kernel takes the direct route, which sums otherwise than OpenBLAS.
    let direct = Convolution.forward(input, weight: weight, padding: 1)
    let blas = Gemm.withBackend(.openBLAS) { Convolution.forward(input, weight: weight, padding: 1) }
    let differs = direct.scalars != blas.scalars
    #expect(differs, "OpenBLAS and the direct kernel agreed to the bit: this test cannot tell the routes apart")
  }

  @Test("The transposed convolution back to one channel (the first layer's input gradient) is bit-identical too")
  func transposedConvolutionToOneChannelMatches() {
    let gradient = randomTensor([2, 28, 28, 64], seed: 601)
    let weight = randomTensor([64, 3, 3, 1], seed: 602, scale: 0.1)
    let flipped = Convolution.transposed(gradient, weight: weight, padding: 1)
    let reference = Convolution.forward(
      gradient, weight: flippedTransposed(weight), padding: 1, route: .patchMatrix)
    let identical = flipped.scalars == reference.scalars
    #expect(identical)
  }

  /// `[O, kh, kw, C] → [C, kh, kw, O]` with the spatial axes reversed, written out here so the
  /// test does not lean on the code under test.
  func flippedTransposed(_ weight: Tensor) -> Tensor {
    let (outputs, height, width, channels) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    var result = Tensor.zeros([channels, height, width, outputs])
    for o in 0..<outputs {
      for p in 0..<height {
        for q in 0..<width {
          for c in 0..<channels {
            result[flat: ((c * height + (height - 1 - p)) * width + (width - 1 - q)) * outputs + o] =
              weight[flat: ((o * height + p) * width + q) * channels + c]
          }
        }
      }
    }
    return result
  }
}
