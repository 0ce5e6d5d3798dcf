import FlowCore
import Testing

@Suite("Packed panels kept with a weight")
struct PackedPanelsTests {
  /// Shapes (m, n, k) of the toy models' products and their edges: several depth blocks, a
  /// 10-column last panel, narrow panels, depths of four and less, rows and columns split among threads.
  static let shapes: [(Int, Int, Int)] = [(500, 128, 128), (128, 128, 500), (500, 90, 272), (40, 90, 600), (500, 2, 128), (13, 17, 29), (7, 300, 5), (500, 362, 2), (30, 67, 4), (50, 21, 1)]

  @Test("Products with kept panels give the bits of products that pack B themselves, at 1-3 threads, B stored and transposed")
  func keptPanelsGiveTheSameBits() {
    for (index, (m, n, k)) in Self.shapes.enumerated() {
      let a = randomTensor([m, k], seed: UInt64(index))
      for transposeB in [Transposition.none, .transposed] {
        let values = randomTensor(transposeB == .none ? [k, n] : [n, k], seed: UInt64(50 + index))
        let plain = values * 1
        let kept = (values * 1).keepingPackedPanels()
        for threads in 1...3 {
          let (expected, result) = Parallelism.withThreads(threads) {
            (Tensor.matrixProduct(a, plain, transposeB: transposeB), Tensor.matrixProduct(a, kept, transposeB: transposeB))
          }
          let identical = result.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern)
          #expect(identical, "\(m)x\(n)x\(k) B \(transposeB), \(threads) threads")
        }
      }
    }
  }

  @Test("A fully connected layer with a kept weight gives the bits of an unmarked one, bias added, at 1-3 threads")
  func affineWithKeptWeightGivesTheSameBits() {
    for (index, (m, n, k)) in Self.shapes.enumerated() {
      let input = randomTensor([m, k], seed: UInt64(index))
      let weight = randomTensor([n, k], seed: UInt64(70 + index))
      let bias = randomTensor([n], seed: UInt64(90 + index))
      let kept = (weight * 1).keepingPackedPanels()
      for threads in 1...3 {
        let (expected, result) = Parallelism.withThreads(threads) {
          (Tensor.affine(input, weight: weight, bias: bias), Tensor.affine(input, weight: kept, bias: bias))
        }
        let identical = result.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern)
        #expect(identical, "\(m)x\(n)x\(k), \(threads) threads")
      }
    }
  }

  @Test("Panels are packed once per way a marked tensor is used, only for the SIMD product, and only when marked")
  func panelsAreKeptPerUse() {
    let a = randomTensor([30, 20], seed: 1)
    let weight = randomTensor([20, 20], seed: 2).keepingPackedPanels()
    #expect(weight.keptPanelCount == 0)
    _ = Tensor.matrixProduct(a, weight)
    _ = Tensor.matrixProduct(a, weight)
    #expect(weight.keptPanelCount == 1)
    _ = Tensor.matrixProduct(a, weight, transposeB: .transposed)
    #expect(weight.keptPanelCount == 2)
    _ = Tensor.matrixProduct(a, weight, transposeB: .transposed, backend: .openBLAS)
    #expect(weight.keptPanelCount == 2)
    let unmarked = randomTensor([20, 20], seed: 3)
    _ = Tensor.matrixProduct(a, unmarked)
    #expect(unmarked.keptPanelCount == 0)
  }

  @Test("Writing a marked tensor's values in place drops its panels, so later products see the new values")
  func inPlaceWriteDropsPanels() {
    let a = randomTensor([40, 24], seed: 4)
    var weight = randomTensor([24, 18], seed: 5).keepingPackedPanels()
    _ = Tensor.matrixProduct(a, weight)
    #expect(weight.keptPanelCount == 1)
    weight[flat: 7] = 3
    #expect(weight.keptPanelCount == 0)
    let copy = weight * 1
    let product = Tensor.matrixProduct(a, weight.keepingPackedPanels())
    let identical = product.scalars.map(\.bitPattern) == Tensor.matrixProduct(a, copy).scalars.map(\.bitPattern)
    #expect(identical, "the product after the write must see the written value")
  }
}
