import Yams

/// Locations of values given on the command line.
///
/// A `--set` value is composed from its own text, so its nodes' marks say line 1 of nothing in
/// the spec file. Before the plan applies command-line override number `i`, every node of its value
/// is re-marked with line −(i + 1); an error at such a node is then reported as coming from that
/// `--set` (``SpecError/attributed(to:)``). Marks are not serialized: resolved YAML is unchanged.
enum CommandLineMark {
  /// The mark of nodes from command-line override `index` (0-based), nil if Yams' `Mark` is not
  /// laid out as its two integers (checked): such nodes then carry no mark at all.
  ///
  /// Yams offers no initializer for `Mark`, so the mark is made from a `(line, column)` pair and
  /// read back to verify that the fields landed where expected.
  static func mark(forOverride index: Int) -> Mark? {
    let fields = (-(index + 1), 0)
    guard MemoryLayout<Mark>.size == MemoryLayout<(Int, Int)>.size, MemoryLayout<Mark>.alignment == MemoryLayout<(Int, Int)>.alignment else {
      return nil
    }
    let mark = unsafeBitCast(fields, to: Mark.self)
    return mark.line == fields.0 && mark.column == fields.1 ? mark : nil
  }

  /// The command-line override a line number stands for, nil for a line of the file.
  static func overrideIndex(line: Int) -> Int? {
    line < 0 ? -line - 1 : nil
  }
}

extension Node {
  /// This node and everything under it with `mark` (nil removes the marks).
  func remarked(with mark: Mark?) -> Node {
    switch self {
    case .scalar(var scalar):
      scalar.mark = mark
      return .scalar(scalar)
    case .sequence(let sequence):
      return .sequence(Node.Sequence(sequence.map { $0.remarked(with: mark) }, sequence.tag, sequence.style, mark, sequence.anchor))
    case .mapping(let mapping):
      let pairs = mapping.map { ($0.key.remarked(with: mark), $0.value.remarked(with: mark)) }
      return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mark, mapping.anchor))
    case .alias:
      return self
    }
  }
}

extension SpecError {
  /// This error, reported as coming from the command line when its line stands for one of
  /// `commandLine` (see ``CommandLineMark``); unchanged otherwise.
  func attributed(to commandLine: [SpecOverride]) -> SpecError {
    guard commandLine.isEmpty == false, let index = CommandLineMark.overrideIndex(line: line), commandLine.indices.contains(index) else { return self }
    return SpecError(commandLine: "--set " + commandLine[index].source, keyPath: keyPath, message: message)
  }
}
