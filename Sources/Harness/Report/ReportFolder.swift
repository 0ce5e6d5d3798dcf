import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The folder `<results>/<experiment>/` that a report fills with copies of its runs' files, and
/// the rules that keep the report from ever deleting anything it did not write.
///
/// The folder is built as `.<experiment>.staging-<pid>` beside it and swapped in (the old folder
/// renamed to `.<experiment>.replaced-<pid>`, the new one renamed into place, the old one removed).
/// An existing folder is replaced only when it is recognisably a report's: every entry is the
/// marker file `.lipflow-report` naming this experiment, `resolved-spec.yaml`, a figure
/// (`curves-<dataset>.svg`, `dot-plot.svg`), or a run folder holding only files a report copies; and the marker or `resolved-spec.yaml` is there (folders
/// of earlier versions have no marker).
struct ReportFolder {
  /// The marker file a report writes into its folder.
  static let markerName = ".lipflow-report"
  /// The files copied from each run directory.
  static let runFiles = ["manifest.json", "spec.yaml", "metrics.csv", "eval.json", "density.png", "samples.png", "concatenation.png"]
  /// The resolved spec, at the top of the folder.
  static let resolvedSpecName = "resolved-spec.yaml"

  /// The results folder.
  let resultsDirectory: String
  /// The experiment's name: the folder's name.
  let experiment: String

  /// Refuses a name that does not name a folder inside `resultsDirectory` (empty, `.`, `..`, or
  /// holding a `/`).
  init(resultsDirectory: String, experiment: String) throws(HarnessError) {
    guard !experiment.isEmpty, experiment != ".", experiment != "..", !experiment.contains("/"), !experiment.contains("\0") else {
      throw HarnessError.io(
        path: resultsDirectory + "/" + experiment,
        reason: "not written: the experiment name '\(experiment)' does not name a folder inside \(resultsDirectory)")
    }
    self.resultsDirectory = resultsDirectory
    self.experiment = experiment
  }

  /// `<results>/<experiment>`.
  var path: String { resultsDirectory + "/" + experiment }

  /// The marker's contents.
  var markerText: String { "lipflow report of experiment \(experiment)\n" }

  /// `<results>/.<experiment>.<kind>-<pid>`.
  func sibling(_ kind: String, process: Int32 = getpid()) -> String {
    resultsDirectory + "/." + experiment + "." + kind + "-\(process)"
  }

  /// Builds the folder with `build` (given the empty staging folder, already holding the marker)
  /// and swaps it in. On any failure the staging folder is removed and the old folder stays.
  func replace(building build: (String) throws(HarnessError) -> Void) throws(HarnessError) {
    try checkReplaceable()
    removeLeftovers()
    let staging = sibling("staging")
    try clear(staging, requireEvidence: false)
    do throws(HarnessError) {
      try FileOperations.createDirectory(staging)
      try TableReport.writeAtomically(markerText, to: staging + "/" + ReportFolder.markerName)
      try build(staging)
      try swapIn(staging)
    } catch {
      try? FileOperations.remove(staging)
      throw error
    }
  }

  /// Throws unless the folder is absent or recognisably a report's.
  func checkReplaceable() throws(HarnessError) {
    if let unexpected = unexpectedEntry(in: path, requireEvidence: true) {
      throw HarnessError.io(path: path, reason: "not replaced: \(unexpected); move it away or use another --results-dir")
    }
  }

  /// Throws unless `file` is absent or a file a report wrote: one that holds one of `signatures`.
  static func checkReplaceable(file: String, signatures: [String]) throws(HarnessError) {
    switch FileOperations.kind(of: file) {
    case .missing: return
    case .file:
      guard let text = try? String(contentsOfFile: file, encoding: .utf8), signatures.contains(where: { text.contains($0) }) else {
        throw HarnessError.io(path: file, reason: "not replaced: it was not written by lipflow report; move it away or use another --results-dir")
      }
    case .directory, .link, .special:
      throw HarnessError.io(path: file, reason: "not replaced: it is not a file written by lipflow report")
    }
  }

  /// Removes the folder at `path` if it is recognisably a report's; throws if it is something else.
  func clear(_ path: String, requireEvidence: Bool) throws(HarnessError) {
    if case .missing = FileOperations.kind(of: path) { return }
    if let unexpected = unexpectedEntry(in: path, requireEvidence: requireEvidence) {
      throw HarnessError.io(path: path, reason: "in the way of the report: \(unexpected)")
    }
    try FileOperations.remove(path)
  }

  /// Renames the old folder away, the staging folder into place, and removes the old one.
  func swapIn(_ staging: String) throws(HarnessError) {
    guard case .directory = FileOperations.kind(of: path) else {
      try FileOperations.move(staging, to: path)
      return
    }
    let replaced = sibling("replaced")
    try clear(replaced, requireEvidence: false)
    try FileOperations.move(path, to: replaced)
    do throws(HarnessError) {
      try FileOperations.move(staging, to: path)
    } catch {
      try? FileOperations.move(replaced, to: path)
      throw error
    }
    // The new report is in place; an old folder that cannot be removed now is removed next time.
    try? FileOperations.remove(replaced)
  }

  /// Removes staging and replaced folders left by reports of this experiment that crashed (their
  /// process no longer runs), when they are recognisably a report's; others are left alone.
  func removeLeftovers() {
    guard let names = try? FileOperations.contents(ofDirectory: resultsDirectory) else { return }
    for name in names {
      guard let process = leftoverProcess(name), process != getpid(), !ReportFolder.isRunning(process) else { continue }
      let leftover = resultsDirectory + "/" + name
      if unexpectedEntry(in: leftover, requireEvidence: false) == nil { try? FileOperations.remove(leftover) }
    }
  }

  /// The process of a name `.<experiment>.staging-<pid>` or `.<experiment>.replaced-<pid>`.
  func leftoverProcess(_ name: String) -> Int32? {
    for kind in ["staging", "replaced"] {
      let prefix = "." + experiment + "." + kind + "-"
      if name.hasPrefix(prefix), let process = Int32(name.dropFirst(prefix.count)), process > 0 { return process }
    }
    return nil
  }

  /// Whether process `process` exists.
  static func isRunning(_ process: Int32) -> Bool {
    kill(process, 0) == 0 || errno == EPERM
  }

  /// Nil when `folder` is absent or recognisably a report's folder, else what is unexpected in it.
  func unexpectedEntry(in folder: String, requireEvidence: Bool) -> String? {
    switch FileOperations.kind(of: folder) {
    case .missing(let code) where code == ENOENT: return nil
    case .missing(let code): return FileOperations.message(code)
    case .directory: break
    case .link: return "it is a symbolic link, not a folder the report wrote"
    case .file, .special: return "it is a file, not a folder the report wrote"
    }
    guard let names = try? FileOperations.contents(ofDirectory: folder) else { return "it cannot be listed" }
    var evidence = names.isEmpty
    for name in names {
      if let unexpected = unexpectedTopEntry(name, in: folder) { return unexpected }
      if name == ReportFolder.markerName || name == ReportFolder.resolvedSpecName { evidence = true }
    }
    return evidence || !requireEvidence ? nil : "it holds neither \(ReportFolder.markerName) nor \(ReportFolder.resolvedSpecName), so it was not written by lipflow report"
  }

  /// Nil when `name` at the top of a report folder is what a report writes there.
  func unexpectedTopEntry(_ name: String, in folder: String) -> String? {
    let entry = folder + "/" + name
    let kind = FileOperations.kind(of: entry)
    if name == ReportFolder.markerName {
      let text = try? String(contentsOfFile: entry, encoding: .utf8)
      return text == markerText ? nil : "its \(name) is not the marker of experiment \(experiment)"
    }
    if name == ReportFolder.resolvedSpecName || ReportFolder.isTemporary(name, of: ReportFolder.resolvedSpecName) || ReportFolder.isTemporary(name, of: ReportFolder.markerName) {
      return kind == .file ? nil : "\(name) is not a file"
    }
    if ReportFolder.isFigure(name) { return kind == .file ? nil : "\(name) is not a file" }
    guard kind == .directory, !name.hasPrefix(".") else { return "\(name) was not written by lipflow report" }
    guard let files = try? FileOperations.contents(ofDirectory: entry) else { return "\(name) cannot be listed" }
    for file in files {
      let fileKind = FileOperations.kind(of: entry + "/" + file)
      guard ReportFolder.runFiles.contains(file), fileKind == .file || fileKind == .link else {
        return "\(name)/\(file) was not written by lipflow report"
      }
    }
    return nil
  }

  /// Whether `name` is one of the report's figures (`curves-<dataset>.svg`, `dot-plot.svg`), or an
  /// interrupted write of one. (No run identifier has this form: identifiers hold no `.` outside
  /// sweep values, which always hold a `=`.)
  static func isFigure(_ name: String) -> Bool {
    var name = Substring(name)
    if name.hasPrefix("."), let range = name.range(of: ".tmp-", options: .backwards), Int(name[range.upperBound...]) != nil {
      name = name[name.index(after: name.startIndex)..<range.lowerBound]
    }
    guard name.hasSuffix(".svg"), !name.contains("/"), !name.contains("=") else { return false }
    return name == ReportSections.dotPlotName || (name.hasPrefix(ReportSections.curvesPrefix) && name.count > ReportSections.curvesPrefix.count + 4)
  }

  /// Whether `name` is an interrupted ``AtomicFile`` write of `file` (`.<file>.tmp-<pid>`).
  static func isTemporary(_ name: String, of file: String) -> Bool {
    let prefix = "." + file + ".tmp-"
    return name.hasPrefix(prefix) && Int(name.dropFirst(prefix.count)) != nil
  }
}
