import Synchronization

/// Reuses large float buffers across iterations.
///
/// A training step allocates and frees the same activation-sized buffers every iteration. Through
/// malloc, buffers of 128 KB and more are fresh `mmap`s each time: every page faults on first
/// touch and every `munmap` interrupts the other core for a TLB shootdown. Freed buffers of at
/// least ``minimumCachedBytes`` are kept here by size (rounded up to 4 KB) and handed out again;
/// at most ``maximumCachedBytes`` are held, beyond which buffers go back to the system.
/// Buffers are 64-byte aligned. Contents of a reused buffer are arbitrary.
final class BufferCache: @unchecked Sendable {
  static let shared = BufferCache()

  static let minimumCachedBytes = 16 << 10
  static let maximumCachedBytes = 2 << 30

  /// Free buffers by size, as addresses: a raw pointer is not `Sendable`, an address is, and
  /// the buffers themselves are owned by no one while they are listed here.
  private struct State {
    var free: [Int: [UInt]] = [:]
    var cachedBytes = 0
  }
  private let state = Mutex(State())

  /// The size actually reserved for a request of `bytes`.
  static func roundedSize(_ bytes: Int) -> Int {
    bytes < minimumCachedBytes ? max(bytes, 64) : (bytes + 4095) & ~4095
  }

  func allocate(bytes: Int) -> UnsafeMutableRawPointer {
    let size = BufferCache.roundedSize(bytes)
    if size >= BufferCache.minimumCachedBytes {
      let reused = state.withLock { state -> UInt? in
        guard let address = state.free[size]?.popLast() else { return nil }
        state.cachedBytes -= size
        return address
      }
      if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused) { return pointer }
    }
    return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
  }

  func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
    let size = BufferCache.roundedSize(bytes)
    if size >= BufferCache.minimumCachedBytes {
      let address = UInt(bitPattern: pointer)
      let kept = state.withLock { state -> Bool in
        guard state.cachedBytes + size <= BufferCache.maximumCachedBytes else { return false }
        state.free[size, default: []].append(address)
        state.cachedBytes += size
        return true
      }
      if kept { return }
    }
    pointer.deallocate()
  }
}
