/// Reads chosen members of a tar archive (POSIX ustar or GNU, as `tar` and Python's `tarfile`
/// write) from a ``GzipStream``, in one pass and keeping only those members in memory.
///
/// A member is a 512-byte header (name, octal size, checksum, type) and its contents padded to a
/// multiple of 512 bytes; two zero blocks (or the end of the data) end the archive. Nothing is
/// written to disk, so member names are only compared, never used as paths.
enum TarArchive {
  /// Bytes per tar block.
  static let blockSize = 512

  /// The contents of the regular-file members named in `wanted` (leading `./` ignored), read until
  /// all of them were found or the archive ended. Members larger than `sizeLimit` are refused.
  /// - Throws: ``ImageDataError/malformed(path:reason:)`` for a header with a bad checksum or
  ///   size, a truncated member, a wanted member larger than `sizeLimit`.
  static func members(named wanted: Set<String>, from stream: GzipStream, sizeLimit: Int) throws -> [String: [UInt8]] {
    var found: [String: [UInt8]] = [:]
    var offset = 0
    while found.count < wanted.count {
      let header = try stream.read(count: blockSize)
      if header.isEmpty || header.allSatisfy({ $0 == 0 }) { break }
      guard header.count == blockSize else { throw truncated(stream, "ends inside the member header at byte \(offset)") }
      let (name, size, isFile) = try parse(header, at: offset, path: stream.path)
      let padded = (size + blockSize - 1) / blockSize * blockSize
      offset += blockSize + padded
      if isFile, wanted.contains(name) {
        guard size <= sizeLimit else { throw ImageDataError.malformed(path: stream.path, reason: "member \(name) is \(size) bytes, more than the \(sizeLimit) a CIFAR10 batch can be") }
        let contents = try stream.read(count: size)
        guard contents.count == size else { throw truncated(stream, "member \(name) needs \(size) bytes, \(contents.count) remain") }
        found[name] = contents
        guard try stream.skip(count: padded - size) == padded - size else { throw truncated(stream, "ends inside the padding of member \(name)") }
      } else {
        guard try stream.skip(count: padded) == padded else { throw truncated(stream, "ends inside member \(name)") }
      }
    }
    return found
  }

  /// The name (ustar prefix joined, leading `./` removed), the size and whether it is a regular
  /// file, of the member header `header` at byte `offset`.
  private static func parse(_ header: [UInt8], at offset: Int, path: String) throws -> (name: String, size: Int, isFile: Bool) {
    func failure(_ reason: String) -> ImageDataError { .malformed(path: path, reason: "not a readable tar archive: header at byte \(offset) \(reason)") }
    let recorded = octal(header[148..<156])
    let sum = header.enumerated().reduce(0) { $0 + (148..<156 ~= $1.offset ? 0x20 : Int($1.element)) }
    guard recorded == sum else { throw failure("has checksum \(recorded.map(String.init) ?? "unreadable"), its bytes sum to \(sum)") }
    guard let size = octal(header[124..<136]) else { throw failure("has an unreadable size") }
    var name = field(header[0..<100])
    let prefix = field(header[345..<500])
    if header[257..<262].elementsEqual("ustar".utf8), !prefix.isEmpty { name = prefix + "/" + name }
    while name.hasPrefix("./") { name.removeFirst(2) }
    return (name, size, header[156] == UInt8(ascii: "0") || header[156] == 0)
  }

  /// A NUL-terminated text field.
  private static func field(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
  }

  /// An octal number field (digits, then NUL or spaces), nil when it is not one or too large.
  private static func octal(_ bytes: ArraySlice<UInt8>) -> Int? {
    let digits = bytes.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
    guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ (0x30...0x37).contains($0) }) else { return nil }
    return digits.reduce(0) { $0 << 3 | Int($1 - 0x30) }
  }

  /// The error for an archive that ends too early.
  private static func truncated(_ stream: GzipStream, _ reason: String) -> ImageDataError {
    .malformed(path: stream.path, reason: "truncated archive: " + reason)
  }
}
