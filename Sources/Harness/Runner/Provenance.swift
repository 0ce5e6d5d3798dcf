import Foundation

/// Facts about the machine and source tree, recorded in manifests.
public enum Provenance {
  /// `host (CPU model, N logical CPUs), OS`.
  public static var host: String {
    let name = ProcessInfo.processInfo.hostName
    var cpu = "unknown CPU"
    if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
      let colon = line.firstIndex(of: ":")
    {
      cpu = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return "\(name) (\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) logical CPUs), \(ProcessInfo.processInfo.operatingSystemVersionString)"
  }

  /// Now, ISO 8601 UTC.
  public static var now: String { ISO8601DateFormatter().string(from: Date()) }

  /// FNV-1a 64 of `text`, hex.
  public static func hash(_ text: String) -> String {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      value ^= UInt64(byte)
      value = value &* 0x100_0000_01b3
    }
    return String(format: "%016llx", value)
  }
}
