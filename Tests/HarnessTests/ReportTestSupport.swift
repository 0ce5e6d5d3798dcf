import Foundation
import Harness

/// Run directories written the way the runner leaves them, without training, for report tests.
enum FakeRun {
  /// Writes `manifest.json`, `spec.yaml` and (for a completed run) `eval.json` for `run` under
  /// `runsDirectory/<run>`. `specHash` defaults to the hash of the run's resolved spec.
  static func write(
    _ run: RunSpec, under runsDirectory: String, status: String = "completed", testNLL: Double = 2.5, specHash: String? = nil,
    error: String? = nil
  ) throws {
    let directory = runsDirectory + "/" + run.identifier
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let hash = specHash ?? Provenance.hash(run.resolvedYAML)
    let completed = status == "completed"
    let manifest: [String: Any?] = [
      "run": run.identifier, "experiment": "fake", "specFile": "fake.yaml", "specHash": hash, "profile": "paper", "overrides": [String](),
      "sweep": run.assignments.map(\.description), "seed": 0, "commit": "0123456789abcdef", "host": "test host", "threads": 1,
      "started": "2026-01-01T00:00:00Z", "ended": "2026-01-01T00:01:00Z", "wallSeconds": 60.0, "sessions": 1, "status": status,
      "error": error, "iterationsCompleted": completed ? run.training.iterations : 0, "iterations": run.training.iterations,
      "parameters": 1234,
    ]
    try json(manifest.compactMapValues { $0 }).write(to: URL(fileURLWithPath: directory + "/manifest.json"))
    try Data(("# \(run.identifier): resolved configuration\n" + run.resolvedYAML).utf8).write(to: URL(fileURLWithPath: directory + "/spec.yaml"))
    guard completed else { return }
    let evaluation: [String: Any] = [
      "run": run.identifier, "model": run.modelName, "dataset": run.datasetName, "iterations": run.training.iterations, "testNLL": testNLL,
      "testStandardError": 0.0125, "unit": run.data.unit, "testSamples": 500, "testSeed": 9, "parameters": 1234,
    ]
    try json(evaluation).write(to: URL(fileURLWithPath: directory + "/eval.json"))
  }

  static func json(_ object: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
  }
}

/// A minimal RFC 4180 reader: fields separated by commas, records by CRLF or LF, a field in
/// double quotes may hold commas, line breaks and doubled quotes.
enum CSVReader {
  static func records(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
      if quoted {
        if character == "\"" {
          if characters.first == "\"" {
            field.append("\"")
            characters.removeFirst()
          } else {
            quoted = false
          }
        } else {
          field.append(character)
        }
        continue
      }
      switch character {
      case "\"": quoted = true
      case ",":
        record.append(field)
        field = ""
      case "\n", "\r\n":
        record.append(field)
        records.append(record)
        record = []
        field = ""
      default: field.append(character)
      }
    }
    if !field.isEmpty || !record.isEmpty { records.append(record + [field]) }
    return records
  }
}

/// Splits a Markdown table row into its cells at the pipes that are not backslash-escaped.
func markdownCells(_ row: String) -> [String] {
  var cells: [String] = []
  var cell = ""
  var escaped = false
  for character in row {
    if escaped {
      cell.append(character)
      escaped = false
    } else if character == "\\" {
      cell.append(character)
      escaped = true
    } else if character == "|" {
      cells.append(cell)
      cell = ""
    } else {
      cell.append(character)
    }
  }
  cells.append(cell)
  // A row starts and ends with a pipe: drop the empty text outside them.
  return Array(cells.dropFirst().dropLast()).map { $0.trimmingCharacters(in: .whitespaces) }
}

/// Splits `command` into words as /bin/sh does (quotes, escapes), by asking the shell.
func shellWords(_ command: String) throws -> [String] {
  let words = try ChildProcess.run("/bin/sh", ["-c", "for word in \(command); do printf '%s\\0' \"$word\"; done"]).standardOutput
  return words.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
}

/// A directory whose absolute path is exactly `length` characters long, made of nested folders.
func directory(under base: String, ofLength length: Int) throws -> String {
  var path = base
  while path.count < length {
    let available = length - path.count - 1
    // Leave either nothing or room for another "/x" after this component.
    let component = available <= 200 ? available : (available - 200 == 1 ? 199 : 200)
    path += "/" + String(repeating: "d", count: component)
  }
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Every path under `directory`, relative to it, sorted.
func listing(_ directory: String) -> [String] {
  (FileManager.default.subpaths(atPath: directory) ?? []).sorted()
}
