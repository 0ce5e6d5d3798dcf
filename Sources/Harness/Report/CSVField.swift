/// One field of a CSV record, quoted as RFC 4180 requires.
enum CSVField {
  /// `text` as a CSV field: in double quotes (inner quotes doubled) when it holds a comma, a
  /// double quote, a carriage return or a line feed, or when `always` is set; unchanged otherwise.
  static func escaped(_ text: String, always: Bool = false) -> String {
    let needsQuotes = always || text.contains { $0 == "," || $0 == "\"" || $0.isNewline }
    guard needsQuotes else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  /// A record: the fields escaped and joined by commas.
  static func record(_ fields: [String]) -> String {
    fields.map { escaped($0) }.joined(separator: ",")
  }
}
