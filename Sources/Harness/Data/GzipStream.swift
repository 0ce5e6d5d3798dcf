import CZlib
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file read through zlib's gzip reader: gzipped files are decompressed, plain files are read
/// unchanged. Errors name the file (``ImageDataError/malformed(path:reason:)``).
final class GzipStream {
  /// The file being read.
  let path: String
  private var file: gzFile?

  /// Opens `path` for reading.
  /// - Throws: ``ImageDataError/malformed(path:reason:)`` when it cannot be opened.
  init(path: String) throws {
    self.path = path
    guard let file = gzopen(path, "rb") else {
      throw ImageDataError.malformed(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))")
    }
    _ = gzbuffer(file, UInt32(1 << 20))
    self.file = file
  }

  deinit {
    if let file { _ = gzclose(file) }
  }

  /// Up to `count` more decompressed bytes; fewer only at the end of the data.
  /// - Throws: ``ImageDataError/malformed(path:reason:)`` for a corrupt gzip stream.
  func read(count: Int) throws -> [UInt8] {
    guard let file else { return [] }
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let chunk = UInt32(min(count - filled, 1 << 30))
      let bytesRead = bytes.withUnsafeMutableBytes { gzread(file, $0.baseAddress! + filled, chunk) }
      if bytesRead < 0 { throw ImageDataError.malformed(path: path, reason: "gzip stream is corrupt") }
      if bytesRead == 0 { break }
      filled += Int(bytesRead)
    }
    bytes.removeSubrange(filled...)
    return bytes
  }

  /// Skips `count` decompressed bytes, returning how many there were (fewer only at the end).
  func skip(count: Int) throws -> Int {
    var skipped = 0
    while skipped < count {
      let chunk = try read(count: min(count - skipped, 1 << 20))
      if chunk.isEmpty { break }
      skipped += chunk.count
    }
    return skipped
  }

  /// Every remaining decompressed byte, then closes the file.
  /// - Throws: ``ImageDataError/malformed(path:reason:)`` for a corrupt or truncated gzip stream.
  func readToEnd() throws -> [UInt8] {
    var bytes: [UInt8] = []
    while true {
      let chunk = try read(count: 1 << 20)
      if chunk.isEmpty { break }
      bytes.append(contentsOf: chunk)
    }
    try close()
    return bytes
  }

  /// Closes the file, reporting a gzip stream that ended early.
  func close() throws {
    guard let file else { return }
    self.file = nil
    let status = gzclose(file)
    guard status != Z_BUF_ERROR else { throw ImageDataError.malformed(path: path, reason: "gzip stream is truncated") }
    guard status == Z_OK else { throw ImageDataError.malformed(path: path, reason: "gzip stream is corrupt") }
  }
}
