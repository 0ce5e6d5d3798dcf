import Foundation

/// A fresh temporary directory, its name starting `lipflow-tests-<name>-`, unique to this process.
public func temporaryDirectory(_ name: String) -> String {
  let path = NSTemporaryDirectory() + "lipflow-tests-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}
