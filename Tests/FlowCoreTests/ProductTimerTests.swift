import FlowCore
import Testing

@Suite("Timing products by shape")
struct ProductTimerTests {
  @Test("A timer records every product in its scope under its shape, on either backend, also those of tasks on worker threads, and nothing outside it", arguments: GemmBackend.allCases)
  func productsAreRecordedByShape(backend: GemmBackend) {
    let a = randomTensor([12, 5], seed: 1)
    let b = randomTensor([5, 9], seed: 2)
    _ = Tensor.matrixProduct(a, b, backend: backend)
    let timer = ProductTimer()
    ProductTimer.$current.withValue(timer) {
      Parallelism.withThreads(2) {
        _ = Tensor.matrixProduct(a, b, backend: backend)
        // Four tasks on two threads: two of them run on the worker.
        Parallelism.forEachIndependentTask(count: 4) { _ in _ = Tensor.matrixProduct(a, a, transposeB: .transposed, backend: backend) }
      }
    }
    _ = Tensor.matrixProduct(a, b, backend: backend)
    let totals = timer.totalsByShape
    let product = ProductTimer.Shape(m: 12, n: 9, k: 5, transposeA: .none, transposeB: .none)
    let gram = ProductTimer.Shape(m: 12, n: 12, k: 5, transposeA: .none, transposeB: .transposed)
    #expect(Set(totals.keys) == [product, gram])
    #expect(totals[product]?.calls == 1)
    #expect(totals[gram]?.calls == 4)
    #expect(totals.values.allSatisfy { $0.seconds >= 0 })
    #expect(gram.description == "12x12x5 NT" && gram.operations == 2 * 12 * 12 * 5)
  }
}
