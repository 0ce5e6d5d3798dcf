import Synchronization

/// Reference-counted, 64-byte aligned Float32 buffer behind a ``Tensor``, drawn from and
/// returned to `BufferCache`.
///
/// Tensors share storage until one of them is mutated (copy on write, checked with
/// `isKnownUniquelyReferenced`). The buffer is never resized.
///
/// Sendable because nothing shared is ever written: the buffer is written only through a
/// uniquely referenced storage (or, inside a kernel, by the threads of the one call that owns the
/// result before it is returned), and the mutable properties, ``sigmoidCache`` and
/// ``panelCache``, are behind mutexes, since kernels fill them from whichever thread uses the
/// values first.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
  @usableFromInline let pointer: UnsafeMutablePointer<Float>
  @usableFromInline let count: Int
  /// σ(β·x) of these values for one β (its bit pattern), kept by the swish kernels because the
  /// same activation input is differentiated many times in one step. Cleared before any in-place
  /// write (`Tensor.makeUnique`), and released with the storage, so it cannot go stale.
  @usableFromInline let sigmoidCache = Mutex<SigmoidCache?>(nil)
  /// These values packed as B of the SIMD matrix product, when marked as used unchanged by many
  /// products (``Tensor/keepingPackedPanels()``): nil when not marked. Cleared like
  /// ``sigmoidCache``.
  let panelCache = Mutex<PanelCache?>(nil)

  /// Allocates `count` uninitialised floats.
  @usableFromInline
  init(uninitializedCount count: Int) {
    precondition(count >= 0, "Tensor element count must be non-negative, got \(count)")
    self.count = count
    let raw = BufferCache.shared.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
  }

  /// Allocates `count` floats set to `value`.
  @usableFromInline
  convenience init(count: Int, repeating value: Float) {
    self.init(uninitializedCount: count)
    pointer.initialize(repeating: value, count: count)
  }

  /// A new buffer with the same contents.
  @usableFromInline
  func copy() -> TensorStorage {
    let result = TensorStorage(uninitializedCount: count)
    result.pointer.update(from: pointer, count: count)
    return result
  }

  /// Drops what was computed from the values (cached sigmoids, packed panels, and the mark that
  /// asks for the panels to be kept): called before the values are written in place.
  @usableFromInline
  func forgetDerivedValues() {
    sigmoidCache.withLock { $0 = nil }
    panelCache.withLock { $0 = nil }
  }

  /// σ(β·x) of a storage's values for the β with bit pattern `slopeBits`.
  @usableFromInline
  struct SigmoidCache: Sendable {
    let slopeBits: UInt32
    let values: Tensor
  }

  deinit {
    BufferCache.shared.release(UnsafeMutableRawPointer(pointer), bytes: max(count, 1) * MemoryLayout<Float>.stride)
  }
}
