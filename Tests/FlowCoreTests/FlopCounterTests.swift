import FlowCore
import Testing

@Suite("Counting floating-point work")
struct FlopCounterTests {
  @Test("A matrix product counts 2·m·n·k operations on either backend and any thread count", arguments: GemmBackend.allCases, [1, 2, 3])
  func productsCountTheirMultiplyAdds(backend: GemmBackend, threads: Int) {
    let a = randomTensor([97, 41], seed: 1)
    let b = randomTensor([41, 130], seed: 2)
    let counted = Parallelism.withThreads(threads) { FlopCounter.counting { Tensor.matrixProduct(a, b, backend: backend) } }
    #expect(counted.operations == 2 * 97 * 130 * 41)
  }

  @Test("Work outside the counting scope is not counted, and scopes do not add into each other")
  func onlyTheScopeIsCounted() {
    let a = randomTensor([8, 8], seed: 3)
    _ = Tensor.matrixProduct(a, a)
    let outer = FlopCounter.counting {
      _ = Tensor.matrixProduct(a, a)
      let inner = FlopCounter.counting { Tensor.matrixProduct(a, a) }
      #expect(inner.operations == 2 * 8 * 8 * 8)
    }
    #expect(outer.operations == 2 * 8 * 8 * 8)
  }

  @Test("A convolution counts 2 operations per output element and kernel tap, over several im2col chunks, in every direction")
  func convolutionsCountTheirMultiplyAdds() {
    let input = randomTensor([3, 30, 30, 4], seed: 4)
    let weight = randomTensor([5, 3, 3, 4], seed: 5)
    let expected = 2 * (3 * 30 * 30) * 5 * (3 * 3 * 4)
    let forward = FlopCounter.counting { Convolution.forward(input, weight: weight, padding: 1) }
    #expect(forward.operations == expected)
    let output = forward.result
    let transposed = FlopCounter.counting { Convolution.transposed(output, weight: weight, padding: 1) }
    #expect(transposed.operations == expected)
    let weightGradient = FlopCounter.counting { Convolution.weightGradient(input: input, outputGradient: output, kernelHeight: 3, kernelWidth: 3, padding: 1) }
    #expect(weightGradient.operations == expected)
  }
}
