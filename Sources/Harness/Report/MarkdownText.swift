/// Text from specs and manifests made safe to place in a Markdown table or line.
enum MarkdownText {
  /// Free text inside a table cell: backslashes and pipes escaped, line breaks as spaces, so
  /// the text stays in its cell and its row.
  static func cell(_ text: String) -> String {
    var result = ""
    for character in text {
      switch character {
      case "\\", "|": result += "\\" + String(character)
      case _ where character.isNewline: result += " "
      default: result.append(character)
      }
    }
    return result
  }

  /// A label (a model's or dataset's name in the table): as ``cell(_:)``, and the characters
  /// that would start emphasis or code (`*`, `_`, `` ` ``) escaped so it shows as written.
  static func label(_ text: String) -> String {
    var result = ""
    for character in cell(text) {
      if "*_`".contains(character) { result += "\\" }
      result.append(character)
    }
    return result
  }

  /// One line of text: line breaks as spaces.
  static func line(_ text: String) -> String {
    String(text.map { $0.isNewline ? " " : $0 })
  }

  /// `text` as inline code: in single backticks, or in a longer run of backticks (with spaces)
  /// when it holds backticks itself.
  static func code(_ text: String) -> String {
    var longest = 0
    var current = 0
    for character in text {
      current = character == "`" ? current + 1 : 0
      longest = max(longest, current)
    }
    guard longest > 0 else { return "`" + line(text) + "`" }
    let fence = String(repeating: "`", count: longest + 1)
    return fence + " " + line(text) + " " + fence
  }
}
