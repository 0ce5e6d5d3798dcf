import FlowCore
import Testing

@Suite("Convolutions")
struct ConvolutionTests {
  static let cases: [(input: [Int], weight: [Int], padding: Int)] = [
    ([2, 5, 6, 3], [4, 3, 3, 3], 1),
    ([1, 7, 7, 5], [2, 3, 3, 5], 0),
    ([3, 4, 4, 6], [5, 1, 1, 6], 0),
    ([2, 6, 5, 2], [3, 5, 5, 2], 2),
    ([2, 4, 4, 3], [2, 3, 3, 3], 2),
  ]

  @Test("Convolution matches a naive loop implementation")
  func convolutionMatchesNaiveLoops() {
    for (index, testCase) in Self.cases.enumerated() {
      let input = randomTensor(testCase.input, seed: UInt64(index))
      let weight = randomTensor(testCase.weight, seed: UInt64(50 + index))
      let result = Convolution.forward(input, weight: weight, padding: testCase.padding)
      let expected = naiveConvolution(input, weight, padding: testCase.padding)
      #expect(result.shape == expected.shape)
      #expect(maximumDifference(result, expected) < 1e-4, "case \(index)")
    }
  }

  @Test("A 3×3 convolution over a batch matches the naive loop at a realistic size, with two threads")
  func largeConvolutionMatchesNaiveLoops() {
    let input = randomTensor([3, 14, 14, 16], seed: 7)
    let weight = randomTensor([8, 3, 3, 16], seed: 8)
    let result = Parallelism.withThreads(2) { Convolution.forward(input, weight: weight, padding: 1) }
    #expect(maximumDifference(result, naiveConvolution(input, weight, padding: 1)) < 1e-4)
  }

  @Test("The transposed convolution is the adjoint: ⟨conv x, y⟩ = ⟨x, convᵀ y⟩")
  func transposedConvolutionIsTheAdjoint() {
    for (index, testCase) in Self.cases.enumerated() where testCase.weight[1] == testCase.weight[2] {
      let input = randomTensor(testCase.input, seed: UInt64(index))
      let weight = randomTensor(testCase.weight, seed: UInt64(60 + index))
      let output = Convolution.forward(input, weight: weight, padding: testCase.padding)
      let probe = randomTensor(output.shape, seed: UInt64(70 + index))
      let back = Convolution.transposed(probe, weight: weight, padding: testCase.padding)
      #expect(back.shape == input.shape)
      let left = innerProduct(output, probe)
      let right = innerProduct(input, back)
      #expect(abs(left - right) <= 1e-4 * max(1, abs(left)), "case \(index): \(left) vs \(right)")
    }
  }

  @Test("The weight gradient satisfies ⟨conv(x, W), g⟩ = ⟨W, ∂W⟩")
  func weightGradientIsTheAdjointInTheWeight() {
    for (index, testCase) in Self.cases.enumerated() {
      let input = randomTensor(testCase.input, seed: UInt64(index))
      let weight = randomTensor(testCase.weight, seed: UInt64(80 + index))
      let output = Convolution.forward(input, weight: weight, padding: testCase.padding)
      let probe = randomTensor(output.shape, seed: UInt64(90 + index))
      let gradient = Convolution.weightGradient(
        input: input, outputGradient: probe, kernelHeight: testCase.weight[1],
        kernelWidth: testCase.weight[2], padding: testCase.padding)
      let left = innerProduct(output, probe)
      let right = innerProduct(weight, gradient)
      #expect(abs(left - right) <= 1e-4 * max(1, abs(left)), "case \(index): \(left) vs \(right)")
    }
  }

  @Test(
    "The weight gradient computed as patchesᵀ·g gives the bits of gᵀ·patches, over several chunks, at 1-3 threads",
    arguments: [(input: [3, 30, 30, 12], outputs: 24, kernel: 3), (input: [2, 9, 9, 40], outputs: 20, kernel: 1)])
  func weightGradientOrientationsGiveTheSameBits(input shape: [Int], outputs: Int, kernel: Int) {
    let input = randomTensor(shape, seed: 61)  // 2,700 pixels at 3×3: a whole chunk of 2,048 and a partial one
    let gradient = randomTensor([shape[0], shape[1], shape[2], outputs], seed: 62)
    let padding = (kernel - 1) / 2
    let reference = Convolution.weightGradient(
      input: input, outputGradient: gradient, kernelHeight: kernel, kernelWidth: kernel, padding: padding, route: .patchMatrix)
    for threads in [1, 2, 3] {
      let transposed = Parallelism.withThreads(threads) {
        Convolution.weightGradient(input: input, outputGradient: gradient, kernelHeight: kernel, kernelWidth: kernel, padding: padding)
      }
      let identical = transposed.scalars == reference.scalars  // a Bool: a failure need not print the tensors
      #expect(identical, "\(shape), \(threads) threads")
    }
  }

  @Test("Convolutions over more pixels than one im2col chunk give the same result with one and two threads")
  func convolutionDoesNotDependOnThreadCount() {
    let input = randomTensor([12, 16, 16, 8], seed: 11)
    let weight = randomTensor([8, 3, 3, 8], seed: 12)
    let probe = randomTensor([12, 16, 16, 8], seed: 13)
    let (one, oneGradient) = Parallelism.withThreads(1) {
      (Convolution.forward(input, weight: weight, padding: 1),
       Convolution.weightGradient(input: input, outputGradient: probe, kernelHeight: 3, kernelWidth: 3, padding: 1))
    }
    let (two, twoGradient) = Parallelism.withThreads(2) {
      (Convolution.forward(input, weight: weight, padding: 1),
       Convolution.weightGradient(input: input, outputGradient: probe, kernelHeight: 3, kernelWidth: 3, padding: 1))
    }
    #expect(one == two)
    #expect(oneGradient == twoGradient)
  }
}
