import Foundation
import FlowCore
import Testing

@Suite("Matrix products")
struct GemmTests {
  static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (7, 5, 3), (13, 17, 29), (50, 33, 300), (6, 16, 256), (97, 130, 513)]

  @Test(
    "Every backend and transposition matches a naive product",
    arguments: GemmBackend.allCases, [Transposition.none, .transposed])
  func productsMatchNaiveLoops(backend: GemmBackend, transposeA: Transposition) {
    for transposeB in [Transposition.none, .transposed] {
      for (index, (m, n, k)) in Self.shapes.enumerated() {
        let a = randomTensor(transposeA == .none ? [m, k] : [k, m], seed: UInt64(index))
        let b = randomTensor(transposeB == .none ? [k, n] : [n, k], seed: UInt64(100 + index))
        let expected = naiveProduct(a, b, transposeA: transposeA, transposeB: transposeB)
        let result = Tensor.matrixProduct(a, b, transposeA: transposeA, transposeB: transposeB, backend: backend)
        let error = maximumDifference(result, expected)
        #expect(error <= 1e-4 * Float(k).squareRoot() * 4, "\(backend) \(transposeA)/\(transposeB) \(m)x\(n)x\(k): error \(error)")
      }
    }
  }

  @Test("β = 1 accumulates into C and α scales the product", arguments: GemmBackend.allCases)
  func alphaAndBetaCombine(backend: GemmBackend) {
    let (m, n, k) = (19, 23, 41)
    let a = randomTensor([m, k], seed: 1)
    let b = randomTensor([k, n], seed: 2)
    let initial = randomTensor([m, n], seed: 3)
    var c = initial
    c.withUnsafeMutableBufferPointer { c in
      a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
          Gemm.multiply(m: m, n: n, k: k, alpha: 0.5, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n, beta: 1, c: c.baseAddress!, ldc: n, backend: backend)
        }
      }
    }
    let expected = naiveProduct(a, b, transposeA: .none, transposeB: .none) * 0.5 + initial
    #expect(maximumDifference(c, expected) < 1e-4)
  }

  @Test(
    "A row addend gives the bits of copying that row into every row of C first, at 1-3 threads, for every depth and α, β",
    arguments: GemmBackend.allCases)
  func rowAddendIsACopiedBias(backend: GemmBackend) {
    for (index, (m, n, k)) in (Self.shapes + [(500, 128, 128), (500, 2, 128), (40, 90, 600)]).enumerated() {
      let a = randomTensor([m, k], seed: UInt64(index))
      let b = randomTensor([n, k], seed: UInt64(200 + index))
      let bias = randomTensor([n], seed: UInt64(400 + index))
      for (alpha, beta) in [(Float(1), Float(1)), (0.5, -2)] {
        var copied = Tensor(shape: [m, n], scalars: (0..<(m * n)).map { bias[flat: $0 % n] })
        copied.withUnsafeMutableBufferPointer { c in
          Gemm.multiply(
            m: m, n: n, k: k, alpha: alpha, a: a.withUnsafeBufferPointer { $0.baseAddress! }, lda: k,
            b: b.withUnsafeBufferPointer { $0.baseAddress! }, ldb: k, transposeB: .transposed, beta: beta, c: c.baseAddress!, ldc: n,
            backend: backend)
        }
        for threads in 1...3 {
          // C starts as NaN: with a row addend it must not be read.
          var added = Tensor(repeating: .nan, shape: [m, n])
          Parallelism.withThreads(threads) {
            added.withUnsafeMutableBufferPointer { c in
              Gemm.multiply(
                m: m, n: n, k: k, alpha: alpha, a: a.withUnsafeBufferPointer { $0.baseAddress! }, lda: k,
                b: b.withUnsafeBufferPointer { $0.baseAddress! }, ldb: k, transposeB: .transposed, beta: beta, c: c.baseAddress!, ldc: n,
                rowAddend: bias.withUnsafeBufferPointer { $0.baseAddress! }, backend: backend)
            }
          }
          #expect(added == copied, "\(backend) \(m)x\(n)x\(k) α \(alpha) β \(beta), \(threads) threads")
        }
      }
    }
  }

  @Test("The SIMD kernel gives bit-identical products with one, two and three threads, narrow ones included")
  func simdProductDoesNotDependOnThreadCount() {
    // Narrow products (n ≤ 2 or m ≤ 2) large enough to be split: the toy layers' 500×2 and
    // 2×362 products at i-DenseNet width and a long matrix-vector product; then 500×5, split by
    // the work of its 8-column tiles.
    for (m, n, k) in [(500, 128, 128), (64, 576, 3000), (1000, 64, 576), (500, 2, 362), (2, 362, 500), (1000, 1, 300), (500, 5, 64)] {
      let a = randomTensor([m, k], seed: 5)
      let b = randomTensor([k, n], seed: 6)
      let one = Parallelism.withThreads(1) { Tensor.matrixProduct(a, b) }
      let expected = naiveProduct(a, b, transposeA: .none, transposeB: .none)
      #expect(maximumDifference(one, expected) <= 1e-4 * Float(k).squareRoot() * 4, "\(m)x\(n)x\(k) is wrong")
      for threads in [2, 3] {
        let split = Parallelism.withThreads(threads) { Tensor.matrixProduct(a, b) }
        #expect(one == split, "\(m)x\(n)x\(k) differs between 1 and \(threads) threads")
      }
    }
  }

  @Test(
    "Products with one or two columns, or one or two rows, give the bits of the same block of a wide product, at 1-3 threads, with α, β, C and a bias row",
    arguments: [Transposition.none, .transposed])
  func narrowProductsMatchWideProducts(transposeA: Transposition) {
    // Whole and partial 32-row strips and 8 × 8 squares, depths of one to three depth blocks
    // with and without a remainder, rows as few as one, and shapes large enough to be split
    // among threads by rows (600×2·300) and by columns (2×400·300).
    let shapes = [
      (128, 1, 128), (500, 2, 128), (600, 2, 300), (90, 1, 272), (13, 2, 600), (7, 2, 3), (33, 1, 17), (2, 1, 128),
      (2, 128, 500), (2, 400, 300), (1, 362, 40), (2, 90, 257), (2, 5, 9),
    ]
    for (m, n, k) in shapes {
      for transposeB in [Transposition.none, .transposed] {
        // The reference widens one- and two-row or -column operands to 16, which the 6 × 16 kernel computes.
        let (wideM, wideN) = (m <= 2 ? 16 : m, n <= 2 ? 16 : n)
        let wideA = randomTensor(transposeA == .none ? [wideM, k] : [k, wideM], seed: 9)
        let wideB = randomTensor(transposeB == .none ? [k, wideN] : [wideN, k], seed: 10)
        let (wideC, wideBias) = (randomTensor([wideM, wideN], seed: 11), randomTensor([wideN], seed: 12))
        let a = transposeA == .none ? topLeft(wideA, rows: m, columns: k) : topLeft(wideA, rows: k, columns: m)
        let b = transposeB == .none ? topLeft(wideB, rows: k, columns: n) : topLeft(wideB, rows: n, columns: k)
        let (initial, bias) = (topLeft(wideC, rows: m, columns: n), topLeft(wideBias.reshaped([1, wideN]), rows: 1, columns: n))
        for (alpha, beta, rowAddend) in Self.weightings {
          func product(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ bias: Tensor, threads: Int) -> Tensor {
            simdProduct(
              a, transposeA, b, transposeB, depth: k, initial: c, bias: bias, alpha: alpha, beta: beta, rowAddend: rowAddend, threads: threads)
          }
          let expected = topLeft(product(wideA, wideB, wideC, wideBias, threads: 1), rows: m, columns: n).scalars.map(\.bitPattern)
          for threads in 1...3 {
            let identical = product(a, b, initial, bias, threads: threads).scalars.map(\.bitPattern) == expected
            #expect(identical, "\(m)x\(n)x\(k) \(transposeA)/\(transposeB) α \(alpha) β \(beta) bias \(rowAddend), \(threads) threads")
          }
        }
      }
    }
  }

  @Test(
    "Products of depth one to four give the bits of the same product with zero depths appended, which the 6 × 16 kernel computes, at 1-3 threads, with α, β, C and a bias row",
    arguments: [Transposition.none, .transposed])
  func shallowProductsMatchTheTiledKernel(transposeA: Transposition) {
    // The toy output layer's [500, 2]·[2, 362] (split among threads), the MNIST 1×1 convolutions'
    // depths 1 and 4, whole and partial panels, a single row and a narrow panel; at depth 2 the
    // last columns fall in the second half of a panel (362) or in the first (37), or fill it (16).
    let shapes = [(500, 362, 2), (7, 5, 3), (3, 16, 1), (33, 21, 4), (13, 90, 1), (600, 40, 3), (1, 37, 2), (9, 37, 2), (6, 16, 2)]
    let paddedDepth = 8
    for (m, n, k) in shapes {
      for transposeB in [Transposition.none, .transposed] {
        // Appended depths multiply +0 in A by −1 in B: each adds −0, which leaves every sum as it was.
        let a = randomTensor(transposeA == .none ? [m, k] : [k, m], seed: 13)
        let b = randomTensor(transposeB == .none ? [k, n] : [n, k], seed: 14)
        let paddedA = transposeA == .none ? appendingColumns(a, paddedDepth - k, value: 0) : appendingRows(a, paddedDepth - k, value: 0)
        let paddedB = transposeB == .none ? appendingRows(b, paddedDepth - k, value: -1) : appendingColumns(b, paddedDepth - k, value: -1)
        let (initial, bias) = (randomTensor([m, n], seed: 15), randomTensor([n], seed: 16))
        for (alpha, beta, rowAddend) in Self.weightings {
          func product(_ a: Tensor, _ b: Tensor, depth: Int, threads: Int) -> [UInt32] {
            simdProduct(
              a, transposeA, b, transposeB, depth: depth, initial: initial, bias: bias, alpha: alpha, beta: beta, rowAddend: rowAddend,
              threads: threads
            ).scalars.map(\.bitPattern)
          }
          let expected = product(paddedA, paddedB, depth: paddedDepth, threads: 1)
          for threads in 1...3 {
            let identical = product(a, b, depth: k, threads: threads) == expected
            #expect(identical, "\(m)x\(n)x\(k) \(transposeA)/\(transposeB) α \(alpha) β \(beta) bias \(rowAddend), \(threads) threads")
          }
        }
      }
    }
  }

  /// The matrix with `count` columns of `value` appended to every row.
  func appendingColumns(_ matrix: Tensor, _ count: Int, value: Float) -> Tensor {
    let (rows, columns) = (matrix.shape[0], matrix.shape[1])
    let scalars = (0..<rows).flatMap { row in Array(matrix.scalars[(row * columns)..<((row + 1) * columns)]) + Array(repeating: value, count: count) }
    return Tensor(shape: [rows, columns + count], scalars: scalars)
  }

  /// The matrix with `count` rows of `value` appended.
  func appendingRows(_ matrix: Tensor, _ count: Int, value: Float) -> Tensor {
    Tensor(shape: [matrix.shape[0] + count, matrix.shape[1]], scalars: matrix.scalars + Array(repeating: value, count: count * matrix.shape[1]))
  }

  /// (α, β, whether S is a bias row) of C = α·op(A)·op(B) + β·S for the bit-for-bit product tests:
  /// the plain product, C scaled and added, a bias row, both.
  static let weightings: [(Float, Float, Bool)] = [(1, 0, false), (0.7, 0.3, false), (1, 1, true), (0.7, -1.3, true)]

  /// C = α·op(a)·op(b) + β·S by the SIMD kernels at `threads` threads, of depth `depth`, C starting
  /// as `initial` and S being C, or `bias` (`[1, n]` or `[n]`) in every row when `rowAddend`.
  func simdProduct(
    _ a: Tensor, _ transposeA: Transposition, _ b: Tensor, _ transposeB: Transposition, depth: Int, initial: Tensor, bias: Tensor,
    alpha: Float, beta: Float, rowAddend: Bool, threads: Int
  ) -> Tensor {
    var c = initial
    let (rows, columns) = (c.shape[0], c.shape[1])
    c.withUnsafeMutableBufferPointer { c in
      Parallelism.withThreads(threads) {
        Gemm.multiply(
          m: rows, n: columns, k: depth, alpha: alpha, a: a.withUnsafeBufferPointer { $0.baseAddress! }, lda: a.shape[1], transposeA: transposeA,
          b: b.withUnsafeBufferPointer { $0.baseAddress! }, ldb: b.shape[1], transposeB: transposeB, beta: beta, c: c.baseAddress!, ldc: columns,
          rowAddend: rowAddend ? bias.withUnsafeBufferPointer { $0.baseAddress! } : nil, backend: .simd)
      }
    }
    return c
  }

  /// Rows `0..<rows` and columns `0..<columns` of a matrix.
  func topLeft(_ matrix: Tensor, rows: Int, columns: Int) -> Tensor {
    Tensor(shape: [rows, columns], scalars: (0..<rows).flatMap { row in matrix.scalars[(row * matrix.shape[1])..<(row * matrix.shape[1] + columns)] })
  }

  @Test("Every cache blocking gives bit-identical products: only the fixed depth blocks order the sums")
  func blockingNeverChangesTheProduct() {
    for (m, n, k, transposeA) in [(500, 128, 128, Transposition.none), (128, 128, 500, .transposed), (301, 70, 700, .none)] {
      let a = randomTensor(transposeA == .none ? [m, k] : [k, m], seed: 7)
      let b = randomTensor([k, n], seed: 8)
      func product(_ blocking: GemmBlocking?) -> Tensor {
        var c = Tensor(repeating: .nan, shape: [m, n])
        c.withUnsafeMutableBufferPointer { c in
          a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
              Gemm.multiply(
                m: m, n: n, k: k, a: a.baseAddress!, lda: transposeA == .none ? k : m, transposeA: transposeA, b: b.baseAddress!, ldb: n,
                c: c.baseAddress!, ldc: n, backend: .simd, blocking: blocking)
            }
          }
        }
        return c
      }
      let machine = product(nil)
      for blocking in [GemmBlocking(rowBlock: 6, columnBlock: 16), GemmBlocking(rowBlock: 30, columnBlock: 64), GemmBlocking(rowBlock: 120, columnBlock: 4096)] {
        #expect(product(blocking) == machine, "\(m)x\(n)x\(k) with \(blocking)")
      }
    }
  }

  @Test("Blocks are sized from the cache sizes: rows of A in L1, packed B in half of L2, whole tiles")
  func blockingFollowsTheCaches() {
    let zen4 = GemmBlocking(cacheSizes: CacheSizes(levelOneData: 32 << 10, levelTwo: 1 << 20), depth: 128)
    #expect(zen4 == GemmBlocking(rowBlock: 60, columnBlock: 1024))
    let zen3 = GemmBlocking(cacheSizes: CacheSizes(levelOneData: 32 << 10, levelTwo: 512 << 10), depth: 256)
    #expect(zen3 == GemmBlocking(rowBlock: 30, columnBlock: 256))
    let tiny = GemmBlocking(cacheSizes: CacheSizes(levelOneData: 8 << 10, levelTwo: 64 << 10), depth: 256)
    #expect(tiny == GemmBlocking(rowBlock: 24, columnBlock: 64))
  }

  @Test("Shallow products whose rows of C are not whole cache lines take one tile of rows per block")
  func shallowProductsWithStraddlingRowsTakeOneTileOfRows() {
    let zen4 = CacheSizes(levelOneData: 32 << 10, levelTwo: 1 << 20)
    #expect(GemmBlocking(cacheSizes: zen4, depth: 90, destinationRowStride: 182) == GemmBlocking(rowBlock: 6, columnBlock: 1456))
    #expect(GemmBlocking(cacheSizes: zen4, depth: 90, destinationRowStride: 272) == GemmBlocking(rowBlock: 90, columnBlock: 1456))
    #expect(GemmBlocking(cacheSizes: zen4, depth: 189, destinationRowStride: 21) == GemmBlocking(cacheSizes: zen4, depth: 189))
  }

  @Test("Cache sizes are read from a sysfs cache directory, and missing levels fall back")
  func cacheSizesAreReadFromSysfs() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lipflow-cache-\(UUID().uuidString)").path
    let entries = [("1", "Data", "48K"), ("1", "Instruction", "32K"), ("2", "Unified", "2M")]
    for (index, (level, type, size)) in entries.enumerated() {
      let folder = directory + "/index\(index)"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      for (name, value) in [("level", level), ("type", type), ("size", size)] {
        try (value + "\n").write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
      }
    }
    #expect(CacheSizes.read(directory: directory) == CacheSizes(levelOneData: 48 << 10, levelTwo: 2 << 20))
    #expect(CacheSizes.read(directory: directory + "/missing") == CacheSizes.fallback)
  }

  @Test("Narrow panels (at most 8 columns) give the same bits as the same columns of a wide panel", arguments: [Transposition.none, .transposed])
  func narrowPanelsMatchWidePanels(transposeA: Transposition) {
    let (m, k) = (47, 300)
    let a = randomTensor(transposeA == .none ? [m, k] : [k, m], seed: 11)
    let wide = randomTensor([k, 16], seed: 12)
    let wideProduct = Tensor.matrixProduct(a, wide, transposeA: transposeA, backend: .simd)
    for width in [1, 2, 5, 8] {
      let narrow = Tensor(shape: [k, width], scalars: (0..<k).flatMap { row in wide.scalars[(row * 16)..<(row * 16 + width)] })
      let narrowProduct = Tensor.matrixProduct(a, narrow, transposeA: transposeA, backend: .simd)
      let expected = (0..<m).flatMap { row in wideProduct.scalars[(row * 16)..<(row * 16 + width)] }
      #expect(narrowProduct.scalars == expected, "width \(width)")
    }
  }

  @Test("A transposed B gives the same bits as the same B stored untransposed: packing moves floats, it does not round them")
  func transposedRightOperandPacksExactly() {
    // Widths with whole 16-column panels and a partial one; depths with whole 8 × 8 squares,
    // a remainder, none at all, and a last depth block of one; at 1 and 2 threads (a column
    // split packs from an offset of B) and with column blocks of one panel.
    for (m, n, k) in [(13, 16, 8), (13, 32, 17), (500, 90, 272), (7, 5, 300), (20, 48, 7), (9, 128, 513), (40, 160, 300)] {
      let a = randomTensor([m, k], seed: 13)
      let stored = randomTensor([n, k], seed: 14)
      let untransposed = Tensor(shape: [k, n], scalars: (0..<k).flatMap { p in (0..<n).map { j in stored.scalars[j * k + p] } })
      let fromStored = Tensor.matrixProduct(a, untransposed, backend: .simd)
      for threads in [1, 2] {
        let fromTransposed = Parallelism.withThreads(threads) { Tensor.matrixProduct(a, stored, transposeB: .transposed, backend: .simd) }
        let identical = fromTransposed.scalars == fromStored.scalars
        #expect(identical, "\(m)x\(n)x\(k) at \(threads) threads")
      }
      var narrowBlocks = Tensor(repeating: .nan, shape: [m, n])
      narrowBlocks.withUnsafeMutableBufferPointer { c in
        a.withUnsafeBufferPointer { a in
          stored.withUnsafeBufferPointer { b in
            Gemm.multiply(
              m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: k, transposeB: .transposed, c: c.baseAddress!, ldc: n,
              backend: .simd, blocking: GemmBlocking(rowBlock: 6, columnBlock: 16))
          }
        }
      }
      let identical = narrowBlocks.scalars == fromStored.scalars
      #expect(identical, "\(m)x\(n)x\(k) with column blocks of 16")
    }
  }

  @Test("OpenBLAS gives bit-identical products with one to four threads: each product is one single-threaded call")
  func openBLASProductDoesNotDependOnThreadCount() {
    // Wide and narrow, tails of every size, both transpositions, depths inside and beyond
    // OpenBLAS's depth blocks (split into parts of whole tiles, the 500×2 and 128×1 products
    // failed this).
    let shapes = [(500, 128, 128), (90, 272, 500), (500, 2, 362), (128, 1, 128), (37, 301, 900), (2048, 21, 189)]
    for (m, n, k) in shapes {
      for (transposeA, transposeB) in [(Transposition.none, Transposition.none), (.transposed, .none), (.none, .transposed)] {
        let a = randomTensor(transposeA == .none ? [m, k] : [k, m], seed: 21)
        let b = randomTensor(transposeB == .none ? [k, n] : [n, k], seed: 22)
        func product() -> Tensor { Tensor.matrixProduct(a, b, transposeA: transposeA, transposeB: transposeB, backend: .openBLAS) }
        let one = Parallelism.withThreads(1) { product() }
        for threads in [2, 3, 4] {
          let identical = Parallelism.withThreads(threads) { product() }.scalars == one.scalars
          #expect(identical, "\(m)x\(n)x\(k) \(transposeA)/\(transposeB) differs between 1 and \(threads) threads")
        }
      }
    }
  }

  @Test("A bound backend computes the products that name none, and only inside its scope")
  func boundBackendComputesUnnamedProducts() {
    let a = randomTensor([50, 300], seed: 23)
    let b = randomTensor([300, 40], seed: 24)
    let simd = Tensor.matrixProduct(a, b, backend: .simd)
    let blas = Tensor.matrixProduct(a, b, backend: .openBLAS)
    #expect(simd.scalars != blas.scalars, "the two backends must differ somewhere for this test to tell them apart")
    #expect(Gemm.withBackend(.openBLAS) { Tensor.matrixProduct(a, b) }.scalars == blas.scalars)
    #expect(Tensor.matrixProduct(a, b).scalars == simd.scalars)
  }
}
