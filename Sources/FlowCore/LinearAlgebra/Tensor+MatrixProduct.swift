extension Tensor {
  /// The matrix product op(a)·op(b) of two rank-2 tensors: `[m, k]·[k, n] → [m, n]`, by
  /// `backend` (``Gemm/backend`` when nil).
  public static func matrixProduct(
    _ a: Tensor, _ b: Tensor, transposeA: Transposition = .none, transposeB: Transposition = .none,
    backend: GemmBackend? = nil
  ) -> Tensor {
    multiply(a, b, transposeA: transposeA, transposeB: transposeB, into: nil, backend: backend)
  }

  /// `target += op(a)·op(b)` (β = 1), written straight into `target`'s storage: for a caller
  /// that holds that storage alone (``GradientAccumulator``). `target` has m·n elements in any
  /// shape (read as `[m, n]` row-major).
  static func addMatrixProduct(
    _ a: Tensor, _ b: Tensor, transposeA: Transposition = .none, transposeB: Transposition = .none, into target: Tensor
  ) {
    _ = multiply(a, b, transposeA: transposeA, transposeB: transposeB, into: target, backend: nil)
  }

  /// `s + op(a)·op(b)` into a new `[m, n]` tensor, `s` holding m·n elements in any shape: the
  /// bits of the product followed by `s +` it when ``Gemm/accumulatesExactly(depth:)`` holds (each
  /// element's sum of products is formed whole, then added to s once), which the caller checks.
  static func matrixProduct(
    _ a: Tensor, _ b: Tensor, transposeA: Transposition = .none, transposeB: Transposition = .none, adding s: Tensor
  ) -> Tensor {
    multiply(a, b, transposeA: transposeA, transposeB: transposeB, into: nil, adding: s, backend: nil)
  }

  /// op(a)·op(b) into a new `[m, n]` tensor (target nil, β = 0), or added into `target` (β = 1),
  /// or added to `addend` into a new tensor.
  private static func multiply(
    _ a: Tensor, _ b: Tensor, transposeA: Transposition, transposeB: Transposition, into target: Tensor?,
    adding addend: Tensor? = nil, backend: GemmBackend?
  ) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matrixProduct needs rank-2 tensors, got \(a.shape) and \(b.shape)")
    let (m, k) = transposeA == .none ? (a.shape[0], a.shape[1]) : (a.shape[1], a.shape[0])
    let (kb, n) = transposeB == .none ? (b.shape[0], b.shape[1]) : (b.shape[1], b.shape[0])
    precondition(k == kb, "Inner sizes differ: op(a) is [\(m), \(k)], op(b) is [\(kb), \(n)]")
    let result = target ?? Tensor(uninitializedShape: [m, n])
    precondition(result.count == m * n, "The target \(result.shape) of a [\(m), \(n)] product has \(result.count) elements")
    if let addend {
      precondition(addend.count == m * n, "The addend \(addend.shape) of a [\(m), \(n)] product has \(addend.count) elements")
    }
    let resolved = backend ?? Gemm.backend
    withExtendedLifetime(addend) {
      Gemm.multiply(
        m: m, n: n, k: k, a: a.pointer, lda: a.shape[1], transposeA: transposeA,
        b: b.pointer, ldb: b.shape[1], transposeB: transposeB, beta: target == nil && addend == nil ? 0 : 1, c: result.pointer, ldc: n,
        matrixAddend: addend.map { Addend(pointer: $0.pointer, rowStride: n) },
        backend: resolved, packedB: b.keptPanels(transposition: transposeB, rows: m, depth: k, columns: n, backend: resolved))
    }
    return result
  }

  /// The affine map of a fully connected layer on the last axis:
  /// `x [..., in] · Wᵀ + b` with W `[out, in]` and b `[out]`, giving `[..., out]`.
  public static func affine(_ input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    precondition(weight.rank == 2, "Weight must be [out, in], got \(weight.shape)")
    let (outputs, inputs) = (weight.shape[0], weight.shape[1])
    precondition(input.lastExtent == inputs, "Input \(input.shape) does not end in \(inputs) features")
    let rows = input.rowCount
    let result = Tensor(uninitializedShape: Array(input.shape.dropLast()) + [outputs])
    if let bias {
      precondition(bias.count == outputs, "Bias has \(bias.count) elements, expected \(outputs)")
    }
    Gemm.multiply(
      m: rows, n: outputs, k: inputs, a: input.pointer, lda: inputs,
      b: weight.pointer, ldb: inputs, transposeB: .transposed,
      beta: bias == nil ? 0 : 1, c: result.pointer, ldc: outputs, rowAddend: bias.map { UnsafePointer($0.pointer) },
      packedB: weight.keptPanels(transposition: .transposed, rows: rows, depth: inputs, columns: outputs, backend: Gemm.backend))
    return result
  }

  /// Marks this tensor's values as B of many products while they stay unchanged (a layer's
  /// normalized weight during one training step): the SIMD product then packs them into its
  /// panels once per way they are used and keeps the panels with the storage, instead of packing
  /// them again in every product (and, when a product's rows are split, on every thread). The
  /// panels are dropped with the storage or before any in-place write. Returns the tensor.
  @discardableResult
  public func keepingPackedPanels() -> Tensor {
    storage.panelCache.withLock { cache in if cache == nil { cache = PanelCache() } }
    return self
  }

  /// How many packed forms of this tensor's values are kept (``keepingPackedPanels()``): one
  /// per way a SIMD product has used them as B since they were marked; 0 when not marked.
  public var keptPanelCount: Int { storage.panelCache.withLock { $0?.entries.count ?? 0 } }

  /// The kept panels of op(self) `[depth, columns]` (row-major with its last extent as leading
  /// dimension) as B of a product with `rows` rows, when the tensor is marked by
  /// ``keepingPackedPanels()`` and `backend` is the SIMD product; nil otherwise, and nil for the
  /// products the narrow kernels take (at most two rows or columns), which read B unpacked.
  func keptPanels(transposition: Transposition, rows: Int, depth: Int, columns: Int, backend: GemmBackend) -> PackedPanels? {
    guard backend == .simd, depth >= 1, min(rows, columns) > SimdGemm.narrowProductExtent else { return nil }
    let operand = MatrixOperand(pointer: pointer, leadingDimension: lastExtent, transposition: transposition)
    return storage.panelCache.withLock { cache in cache?.panels(for: operand, depth: depth, columns: columns) }
  }
}
