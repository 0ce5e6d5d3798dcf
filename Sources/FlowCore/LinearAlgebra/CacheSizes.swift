import Foundation

/// The data cache sizes of the CPU this process runs on, read once at run time from Linux's
/// `/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}`, so that the matrix-product
/// blocking fits the machine it runs on rather than the one it was tuned on (hosts of one cloud
/// differ: Zen 3 has 512 KB of L2 per core, Zen 4 1 MB). When sysfs says nothing, the sizes of
/// the smallest common x86-64 server core are assumed (32 KB L1d, 512 KB L2).
public struct CacheSizes: Sendable, Equatable {
  /// Level-1 data cache per core, in bytes.
  public let levelOneData: Int
  /// Level-2 cache per core, in bytes.
  public let levelTwo: Int

  /// Sizes given directly (tests, other machines).
  public init(levelOneData: Int, levelTwo: Int) {
    self.levelOneData = levelOneData
    self.levelTwo = levelTwo
  }

  /// The assumed sizes when none can be read.
  public static let fallback = CacheSizes(levelOneData: 32 << 10, levelTwo: 512 << 10)

  /// This machine's sizes.
  public static let current: CacheSizes = read(directory: "/sys/devices/system/cpu/cpu0/cache")

  /// Reads the sizes from a sysfs cache directory (`index0`, `index1`, ... each with `level`,
  /// `type` and `size` such as `32K`); missing levels take the ``fallback`` size.
  public static func read(directory: String) -> CacheSizes {
    var levelOne: Int?
    var levelTwo: Int?
    for index in 0..<8 {
      let base = directory + "/index\(index)/"
      guard let level = contents(base + "level"), let type = contents(base + "type"), let size = contents(base + "size").flatMap(bytes) else {
        continue
      }
      if level == "1" && type == "Data" { levelOne = size }
      if level == "2" && (type == "Unified" || type == "Data") { levelTwo = size }
    }
    return CacheSizes(levelOneData: levelOne ?? fallback.levelOneData, levelTwo: levelTwo ?? fallback.levelTwo)
  }

  /// A sysfs size (`48K`, `1024K`, `2M`, `512`) in bytes.
  static func bytes(_ text: String) -> Int? {
    let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    guard let last = text.last else { return nil }
    if let multiplier = multipliers[last] { return Int(text.dropLast()).map { $0 * multiplier } }
    return Int(text)
  }

  static func contents(_ path: String) -> String? {
    (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
