/// op(B) `[k, n]` packed once, whole, into the 16-column panels that ``SimdGemm``'s micro-kernels
/// read, for a B that many products use unchanged (a layer's normalized weight Ŵ: the forward
/// product and every vector-Jacobian product of a log-determinant series use it as B).
///
/// Layout: depth blocks of ``SimdGemm/depthBlock`` one after another; block `pc` (kc deep) holds
/// `⌈n/16⌉` panels of `kc × 16` floats, the last zero-padded: exactly what ``SimdGemm/packB`` writes
/// for a column block, so a product reading these panels reads the floats it would have packed
/// itself, and gives the same bits.
final class PackedPanels: @unchecked Sendable {
  /// What was packed: the same storage packed another way is another entry.
  struct Key: Equatable {
    let transposition: Transposition
    let leadingDimension: Int
    let depth: Int
    let columns: Int

    /// The key of op(`b`) `[depth, columns]`.
    init(_ b: MatrixOperand, depth: Int, columns: Int) {
      (transposition, leadingDimension, self.depth, self.columns) = (b.transposition, b.leadingDimension, depth, columns)
    }
  }

  let key: Key
  /// n rounded up to whole panels.
  let paddedColumns: Int
  private let pointer: UnsafeMutablePointer<Float>
  private let bytes: Int

  /// Packs op(`b`) `[depth, columns]`.
  init(_ b: MatrixOperand, depth: Int, columns: Int) {
    precondition(depth >= 1 && columns >= 1, "Nothing to pack: depth \(depth), columns \(columns)")
    key = Key(b, depth: depth, columns: columns)
    paddedColumns = (columns + SimdGemm.columnTile - 1) / SimdGemm.columnTile * SimdGemm.columnTile
    bytes = paddedColumns * depth * MemoryLayout<Float>.stride
    pointer = BufferCache.shared.allocate(bytes: bytes).bindMemory(to: Float.self, capacity: paddedColumns * depth)
    for start in stride(from: 0, to: depth, by: SimdGemm.depthBlock) {
      let blockDepth = min(SimdGemm.depthBlock, depth - start)
      SimdGemm.packB(b.offset(rows: start, columns: 0), depth: blockDepth, columns: columns, into: pointer + start * paddedColumns)
    }
  }

  /// The panels of depth block `depthStart` (a multiple of ``SimdGemm/depthBlock``) from column
  /// `column` (a multiple of 16) on: where ``SimdGemm/packB`` would have put that column block.
  @inline(__always)
  func panels(depthStart: Int, column: Int) -> UnsafePointer<Float> {
    let blockDepth = min(SimdGemm.depthBlock, key.depth - depthStart)
    return UnsafePointer(pointer + depthStart * paddedColumns + column * blockDepth)
  }

  deinit { BufferCache.shared.release(UnsafeMutableRawPointer(pointer), bytes: bytes) }
}

/// Packed panels of op(B) and the column of op(B) a (column-split) product starts at.
struct PackedOperand {
  let panels: PackedPanels
  /// A multiple of 16.
  let column: Int

  /// The same panels from `columns` further columns on.
  @inline(__always) func offset(columns: Int) -> PackedOperand {
    precondition(columns % SimdGemm.columnTile == 0, "Packed panels start at whole panels, not column \(columns)")
    return PackedOperand(panels: panels, column: column + columns)
  }

  /// The panels of depth block `depthStart` from column `column` of this operand on.
  @inline(__always) func panels(depthStart: Int, column offset: Int) -> UnsafePointer<Float> {
    panels.panels(depthStart: depthStart, column: column + offset)
  }
}

/// The packed panels kept with one storage, for the ways it has been packed (at most
/// ``capacity``: a weight is used as B transposed in the forward product and as stored in the
/// input gradient).
struct PanelCache {
  static let capacity = 4
  private(set) var entries: [PackedPanels] = []

  /// The entry for `key`, packing `b` and keeping it when there is none.
  mutating func panels(for b: MatrixOperand, depth: Int, columns: Int) -> PackedPanels {
    let key = PackedPanels.Key(b, depth: depth, columns: columns)
    if let found = entries.first(where: { $0.key == key }) { return found }
    let packed = PackedPanels(b, depth: depth, columns: columns)
    if entries.count == Self.capacity { entries.removeFirst() }
    entries.append(packed)
    return packed
  }
}
