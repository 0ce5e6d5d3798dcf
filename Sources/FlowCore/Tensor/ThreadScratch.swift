import Foundation

/// One reusable scratch buffer per thread, for a kernel's private working space (the packed
/// panels of B in ``SimdGemm``).
///
/// Taken from ``BufferCache``, such space came back in whichever buffer of its size was freed
/// last: with two threads packing at once, often one the other core had just written, so every
/// line written moved between the cores' caches first. A thread's own buffer stays in its own
/// core's caches from one product to the next. Contents are arbitrary; a nested request on the
/// same thread falls back to ``BufferCache``.
enum ThreadScratch {
  /// The calling thread's buffer.
  private final class Slot {
    var pointer: UnsafeMutableRawPointer?
    var bytes = 0
    var inUse = false

    deinit { pointer?.deallocate() }
  }

  private static let key: pthread_key_t = {
    var key = pthread_key_t()
    let status = pthread_key_create(&key) { slot in
      if let slot { Unmanaged<Slot>.fromOpaque(slot).release() }
    }
    precondition(status == 0, "pthread_key_create failed with \(status)")
    return key
  }()

  private static var slot: Slot {
    if let existing = pthread_getspecific(key) { return Unmanaged<Slot>.fromOpaque(existing).takeUnretainedValue() }
    let slot = Slot()
    pthread_setspecific(key, Unmanaged.passRetained(slot).toOpaque())
    return slot
  }

  /// Calls `body` with at least `bytes` of 64-byte aligned scratch space that is this thread's
  /// alone until `body` returns.
  static func withBuffer<Result>(bytes: Int, _ body: (UnsafeMutableRawPointer) throws -> Result) rethrows -> Result {
    let slot = self.slot
    guard !slot.inUse else {
      let buffer = BufferCache.shared.allocate(bytes: bytes)
      defer { BufferCache.shared.release(buffer, bytes: bytes) }
      return try body(buffer)
    }
    if slot.bytes < bytes {
      slot.pointer?.deallocate()
      slot.bytes = BufferCache.roundedSize(bytes)
      slot.pointer = UnsafeMutableRawPointer.allocate(byteCount: slot.bytes, alignment: 64)
    }
    slot.inUse = true
    defer { slot.inUse = false }
    return try body(slot.pointer!)
  }
}
