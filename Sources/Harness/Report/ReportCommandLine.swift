import Foundation
import Yams

/// The `lipflow` command lines that read a report's runs again (`lipflow report …`) and train
/// them (`lipflow run …`): the spec, its profile, every `--set` override, and the runs and
/// results folders when they are not the defaults. Words are quoted for a POSIX shell.
struct ReportCommandLine {
  /// The plan reported.
  let plan: ExperimentPlan
  /// The runs root (`--runs-dir`).
  let runsRoot: String
  /// The results folder (`--results-dir`).
  let resultsDirectory: String
  /// The profile that fills cells without runs (`lipflow report --fill-from`), if any.
  var fillProfile: String? = nil

  /// `lipflow <subcommand> <spec> [--profile P] [--set k=v]… [--runs-dir R] [--results-dir D]`,
  /// and `--fill-from F` for `report` (training never mixes profiles).
  func command(_ subcommand: String) -> String {
    let fill = subcommand == "report" ? fillProfile.map { ["--fill-from", $0] } ?? [] : []
    return ReportCommandLine.command(subcommand, arguments + fill)
  }

  /// `lipflow <subcommand> <words>…`, shell-quoted.
  static func command(_ subcommand: String, _ words: [String]) -> String {
    (["lipflow", subcommand] + words).map(shellQuoted).joined(separator: " ")
  }

  /// The words after the subcommand.
  var arguments: [String] {
    var words = [plan.specPath]
    if specDefinesProfile { words += ["--profile", plan.profile] }
    for override in plan.commandLineOverrides { words += ["--set", ReportCommandLine.argument(for: override)] }
    if !ReportCommandLine.isSame(runsRoot, TableReport.defaultRunsRoot) { words += ["--runs-dir", runsRoot] }
    if !writesToDefaultFolder { words += ["--results-dir", resultsDirectory] }
    return words
  }

  /// Whether the results folder is the plan's default (``TableReport/defaultResultsDirectory(for:)``).
  var writesToDefaultFolder: Bool {
    ReportCommandLine.isSame(resultsDirectory, TableReport.defaultResultsDirectory(for: plan))
  }

  /// Whether the spec names the plan's profile under `profiles` (otherwise `--profile` would be
  /// refused: a spec without profiles resolves to the name `default`).
  var specDefinesProfile: Bool {
    guard let root = try? Yams.compose(yaml: plan.resolvedYAML), case .mapping(let profiles)? = root["profiles"] else { return false }
    return profiles.contains { $0.key.string == plan.profile }
  }

  /// Whether two folder names are the same, ignoring trailing slashes.
  static func isSame(_ path: String, _ other: String) -> Bool {
    func trimmed(_ text: String) -> Substring {
      var result = Substring(text)
      while result.count > 1, result.hasSuffix("/") { result = result.dropLast() }
      return result
    }
    return trimmed(path) == trimmed(other)
  }

  /// `key.path=value` as `--set` reads it back: quoted YAML scalars stay quoted, so that a
  /// string such as `'007'` is not read back as a number.
  static func argument(for override: SpecOverride) -> String {
    override.path.joined(separator: ".") + "=" + yaml(override.value)
  }

  /// A one-line YAML rendering of `node` that reads back to the same node.
  static func yaml(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar):
      if scalar.string.contains(where: \.isNewline) { return doubleQuoted(scalar.string) }
      switch scalar.style {
      case .singleQuoted, .doubleQuoted, .literal, .folded: return "'" + scalar.string.replacingOccurrences(of: "'", with: "''") + "'"
      default: return scalar.string
      }
    case .sequence(let sequence): return "[" + sequence.map(yaml).joined(separator: ", ") + "]"
    case .mapping(let mapping): return "{" + mapping.map { yaml($0.key) + ": " + yaml($0.value) }.joined(separator: ", ") + "}"
    case .alias: return "*alias"
    }
  }

  /// A YAML double-quoted scalar.
  static func doubleQuoted(_ text: String) -> String {
    var result = "\""
    for character in text {
      switch character {
      case "\\": result += "\\\\"
      case "\"": result += "\\\""
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\r\n": result += "\\r\\n"
      case "\t": result += "\\t"
      default: result.append(character)
      }
    }
    return result + "\""
  }

  /// `word` as one word of a POSIX shell command: unchanged when it is made of characters no
  /// shell treats specially, otherwise in single quotes (a single quote becomes `'\''`).
  static func shellQuoted(_ word: String) -> String {
    let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
      scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "@%+=:,./_-".unicodeScalars.contains(scalar))
    }
    return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
