import FlowCore
import Testing

@Suite("Independent tasks")
struct IndependentTaskTests {
  /// What one task saw and computed.
  struct TaskRecord: Equatable {
    var threads: Int
    var backend: GemmBackend
    var product: Tensor
  }

  @Test("Every independent task sees one thread and the caller's backend, and its products are counted", arguments: [1, 2, 3])
  func tasksKeepTheCallersSettings(threads: Int) {
    let operands = (0..<6).map { randomTensor([37, 29], seed: UInt64(10 + $0)) }
    let weight = randomTensor([29, 11], seed: 3)
    let alone = operands.map { Tensor.matrixProduct($0, weight, backend: .openBLAS) }
    var records = [TaskRecord?](repeating: nil, count: operands.count)
    let counted = Parallelism.withThreads(threads) {
      Gemm.withBackend(.openBLAS) {
        FlopCounter.counting {
          records.withUnsafeMutableBufferPointer { slots in
            Parallelism.forEachIndependentTask(count: operands.count) { task in
              slots[task] = TaskRecord(threads: Parallelism.threadCount, backend: Gemm.backend, product: Tensor.matrixProduct(operands[task], weight))
            }
          }
        }
      }
    }
    #expect(records == alone.map { TaskRecord(threads: 1, backend: .openBLAS, product: $0) })
    #expect(counted.operations == operands.count * 2 * 37 * 29 * 11)
  }

  @Test("No task runs twice or is left out, for counts below, at and above the thread count", arguments: [0, 1, 2, 5])
  func everyTaskRunsOnce(count: Int) {
    var runs = [Int](repeating: 0, count: count)
    runs.withUnsafeMutableBufferPointer { runs in
      Parallelism.withThreads(2) { Parallelism.forEachIndependentTask(count: count) { runs[$0] += 1 } }
    }
    #expect(runs == [Int](repeating: 1, count: count))
  }
}
