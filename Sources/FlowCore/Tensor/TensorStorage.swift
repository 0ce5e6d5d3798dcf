import Synchronization

/// Reference-counted, 64-byte aligned Float32 buffer behind a ``Tensor``, drawn from and
/// returned to `BufferCache`.
///
/// Tensors share storage until one of them is mutated (copy on write, checked with
/// `isKnownUniquelyReferenced`). The buffer is never resized.
///
/// Sendable because nothing shared is ever written: the buffer is written only through a
/// uniquely referenced storage (or, inside a kernel, by the threads of the one call that owns the
/// result before it is returned), and the one mutable property, ``sigmoidCache``, is behind a
/// mutex, since the swish kernels fill it from whichever thread differentiates first.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
  @usableFromInline let pointer: UnsafeMutablePointer<Float>
  @usableFromInline let count: Int
  /// σ(β·x) of these values for one β (its bit pattern), kept by the swish kernels because the
  /// same activation input is differentiated many times in one step. Cleared before any in-place
  /// write (`Tensor.makeUnique`), and released with the storage, so it cannot go stale.
  @usableFromInline let sigmoidCache = Mutex<SigmoidCache?>(nil)

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
