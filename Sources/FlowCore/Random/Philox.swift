/// The Philox4x32-10 counter-based generator (Salmon et al., "Parallel random numbers: as easy as
/// 1, 2, 3", SC 2011): a keyed bijection of a 128-bit counter to 128 random bits.
public enum Philox {
  /// Four 32-bit words: a counter or an output block.
  public typealias Block = (UInt32, UInt32, UInt32, UInt32)

  /// Ten rounds of Philox4x32 applied to `counter` under `key`.
  @inline(__always)
  public static func block(counter: Block, key: (UInt32, UInt32)) -> Block {
    var (c0, c1, c2, c3) = counter
    var (k0, k1) = key
    for round in 0..<10 {
      if round > 0 {
        k0 &+= 0x9E37_79B9
        k1 &+= 0xBB67_AE85
      }
      let product0 = UInt64(0xD251_1F53) &* UInt64(c0)
      let product1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
      let (high0, low0) = (UInt32(truncatingIfNeeded: product0 >> 32), UInt32(truncatingIfNeeded: product0))
      let (high1, low1) = (UInt32(truncatingIfNeeded: product1 >> 32), UInt32(truncatingIfNeeded: product1))
      (c0, c1, c2, c3) = (high1 ^ c1 ^ k0, low1, high0 ^ c3 ^ k1, low0)
    }
    return (c0, c1, c2, c3)
  }
}
