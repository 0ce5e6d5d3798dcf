import Foundation
import Harness
import LipFlowTestSupport
import Testing

@Suite("Report")
struct ReportTests {
  let manager = FileManager.default

  func plan(_ text: String = smallSpec, overrides: [String] = []) throws -> ExperimentPlan {
    try ExperimentPlan.parse(text, file: "small.yaml", overrides: overrides.map { try SpecOverride(parsing: $0) })
  }

  /// Runs of `plan` written as completed under a fresh runs directory, which is returned.
  func completedRuns(of plan: ExperimentPlan, name: String) throws -> String {
    let runs = temporaryDirectory(name)
    for (index, run) in plan.runs.enumerated() { try FakeRun.write(run, under: runs, testNLL: 2.5 + Double(index) / 8) }
    return runs
  }

  func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

  // MARK: Data loss

  @Test("An experiment named '..' or '.' is refused before any report can be written", arguments: ["..", "."])
  func targetsOutsideTheResultsDirectoryAreRefused(name: String) throws {
    // The spec reader refuses the name, so no plan (and no report of it) can exist; the report
    // would refuse it too (ReportFolder checks the target is a plain folder name).
    #expect(throws: SpecError.self) {
      try plan(smallSpec.replacingOccurrences(of: "experiment: {name: small}", with: "experiment: {name: '\(name)'}"))
    }
  }

  @Test("A results folder holding a file the report did not write is neither replaced nor written into, and the error names it")
  func foreignFilesAreKept() throws {
    let plan = try plan()
    let runs = try completedRuns(of: plan, name: "foreign-runs")
    for foreign in ["notes.txt", "resflow-moons/notes.txt"] {
      let results = temporaryDirectory("foreign-results")
      try manager.createDirectory(atPath: results + "/small/resflow-moons", withIntermediateDirectories: true)
      try Data("mine".utf8).write(to: URL(fileURLWithPath: results + "/small/resolved-spec.yaml"))
      try Data("mine".utf8).write(to: URL(fileURLWithPath: results + "/small/" + foreign))
      let before = listing(results)
      do {
        _ = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
        Issue.record("a folder holding \(foreign) was replaced")
      } catch let error as HarnessError {
        #expect("\(error)".hasPrefix(results + "/small: "))
        #expect("\(error)".contains(foreign))
        #expect(!"\(error)".contains("\n"))
      }
      #expect(listing(results) == before)
      #expect(try text(results + "/small/" + foreign) == "mine")
    }
  }

  @Test("A folder written by an earlier version (resolved spec and copied run files only) is replaced, and marked as the report's own")
  func earlierReportFoldersAreReplaced() throws {
    let plan = try plan()
    let runs = try completedRuns(of: plan, name: "legacy-runs")
    let results = temporaryDirectory("legacy-results")
    try manager.createDirectory(atPath: results + "/small/old-run", withIntermediateDirectories: true)
    for file in ["resolved-spec.yaml", "old-run/manifest.json", "old-run/spec.yaml", "old-run/eval.json", "old-run/density.png"] {
      try Data("old".utf8).write(to: URL(fileURLWithPath: results + "/small/" + file))
    }
    _ = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    #expect(!manager.fileExists(atPath: results + "/small/old-run"))
    #expect(manager.fileExists(atPath: results + "/small/resflow-moons/eval.json"))
    #expect(manager.fileExists(atPath: results + "/small/.lipflow-report"))
    // The folder it wrote itself is replaced again.
    _ = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    #expect(listing(results).filter { $0.hasPrefix(".") }.isEmpty)
  }

  @Test("A leftover staging folder of a crashed report is removed when it is recognisably the report's, and kept otherwise")
  func leftoverStagingFoldersAreCleanedWhenTheirs() throws {
    let plan = try plan()
    let runs = try completedRuns(of: plan, name: "leftover-runs")
    let results = temporaryDirectory("leftover-results")
    let ours = results + "/.small.staging-2147483646"
    let theirs = results + "/.small.staging-2147483645"
    try manager.createDirectory(atPath: ours + "/resflow-moons", withIntermediateDirectories: true)
    try Data("{}".utf8).write(to: URL(fileURLWithPath: ours + "/resflow-moons/manifest.json"))
    try manager.createDirectory(atPath: theirs, withIntermediateDirectories: true)
    try Data("mine".utf8).write(to: URL(fileURLWithPath: theirs + "/thesis.tex"))
    _ = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    #expect(!manager.fileExists(atPath: ours))
    #expect(try text(theirs + "/thesis.tex") == "mine")
  }

  @Test("A report that fails while copying leaves no staging folder behind and says which path failed and why, in one line")
  func failuresLeaveNoStagingFolder() throws {
    let plan = try plan()
    let runs = try completedRuns(of: plan, name: "long-runs")
    // A results directory so deep that the staging folder and a run folder in it can be made,
    // but not the files in that run folder (PATH_MAX is 4096 bytes with the terminating zero).
    let stagingName = "/.small.staging-\(getpid())"
    let results = try directory(under: temporaryDirectory("long-results"), ofLength: 4075 - stagingName.count)
    do {
      _ = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
      Issue.record("a path longer than PATH_MAX was written")
    } catch let error as HarnessError {
      #expect("\(error)".hasSuffix(": File name too long"))
      #expect(!"\(error)".contains("\n"))
    } catch {
      Issue.record("not a HarnessError: \(error)")
    }
    #expect((try manager.contentsOfDirectory(atPath: results)).isEmpty)
  }

  // MARK: Wrong numbers

  @Test("A run trained with another configuration is shown as stale, without its number, in the table, the runs and the CSV")
  func staleRunsAreFlagged() throws {
    let plan = try plan()
    let runs = try completedRuns(of: plan, name: "stale-runs")
    let stale = try #require(plan.runs.first { $0.identifier == "resflow-moons" })
    try FakeRun.write(stale, under: runs, testNLL: 9.875, specHash: "00000000deadbeef")
    let results = temporaryDirectory("stale-results")
    let written = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    let markdown = try text(written.markdown)
    let now = Provenance.hash(stale.resolvedYAML)
    #expect(markdown.contains("| resflow | stale: trained with another configuration (spec hash 00000000deadbeef, now \(now)) (paper 2.60) |"))
    #expect(!markdown.contains("9.875"))
    #expect(markdown.contains("| resflow-moons | stale |"))
    #expect(markdown.contains("| **2.625** ± "), "the other runs are reported as before")
    let records = CSVReader.records(try text(written.csv))
    let row = try #require(records.first { $0.last == "resflow-moons" })
    #expect(row[3] == "stale" && row[4].isEmpty && row[8].isEmpty)
  }

  /// The small spec's `paper` profile and a `short` one of 10 iterations that fills its cells.
  func paperAndShortPlans() throws -> (paper: ExperimentPlan, short: ExperimentPlan) {
    let text = smallSpec + "\nprofiles:\n  paper: {}\n  short:\n    training.iterations: 10\n"
    return (try ExperimentPlan.parse(text, file: "small.yaml", profile: "paper"), try ExperimentPlan.parse(text, file: "small.yaml", profile: "short"))
  }

  @Test("Cells with no run under the report's profile show another profile's completed run, marked, and are compared only within a profile")
  func anotherProfileFillsMissingCells() throws {
    let (paper, short) = try paperAndShortPlans()
    let root = temporaryDirectory("fill-runs")
    func run(_ plan: ExperimentPlan, _ identifier: String) throws -> RunSpec { try #require(plan.runs.first { $0.identifier == identifier }) }
    try FakeRun.write(try run(paper, "resflow-moons"), under: root + "/" + paper.runGroup, testNLL: 2.75)
    try FakeRun.write(try run(paper, "idensenet-mnist"), under: root + "/" + paper.runGroup, status: "running")
    for (identifier, value) in [("resflow-moons", 3.5), ("resflow-mnist", 1.25), ("idensenet-moons", 3.25), ("idensenet-mnist", 1.125)] {
      try FakeRun.write(try run(short, identifier), under: root + "/" + short.runGroup, testNLL: value)
    }
    let results = temporaryDirectory("fill-results")
    let written = try TableReport(plan: paper, runsRoot: root, resultsDirectory: results).filling(from: short).write()
    let markdown = try self.text(written.markdown)
    let rows = markdown.split(separator: "\n").map(String.init)
    let resflow = try #require(rows.first { $0.hasPrefix("| resflow |") })
    let idensenet = try #require(rows.first { $0.hasPrefix("| idensenet |") })
    #expect(resflow.contains("**2.750**") && !resflow.contains("3.500"), "the paper run, not the short one")
    #expect(resflow.hasSuffix("**1.250** ± 0.013 · *short profile* |"))
    #expect(idensenet.contains("**3.250** ± 0.013 · *short profile* |") && idensenet.contains("running, 0/30 iterations"), "a running run is not replaced")
    #expect(markdown.contains("Cells marked *short profile* have no run under profile **paper** yet"))
    #expect(markdown.contains("10 iterations of batch 64"))
    #expect(markdown.contains("| moons | idensenet − resflow | – | – | – | not compared: the rows come from the short and paper profiles |"))
    #expect(markdown.contains("| idensenet-moons | completed (short profile) |"))
    #expect(markdown.contains("--fill-from short") && !markdown.contains("lipflow run small.yaml --profile paper --runs-dir \(root) --results-dir \(results) --fill-from"))
    let records = CSVReader.records(try self.text(written.csv))
    #expect(records.first { $0.last == "resflow-moons" }?[10] == "paper")
    #expect(records.first { $0.last == "idensenet-moons" }?[10] == "short")
    #expect(markdown.contains("the cells of profile short with: `lipflow run small.yaml --profile short --runs-dir \(root) --results-dir \(results) --only resflow-mnist,idensenet-moons`."))
    #expect(try self.text(results + "/small/curves-moons.svg").contains("idensenet (short profile)"))
    #expect(try self.text(results + "/small/dot-plot.svg").contains("idensenet (short profile)"))
    let copied = try self.text(results + "/small/idensenet-moons/eval.json")
    #expect(copied == (try self.text(root + "/" + short.runGroup + "/idensenet-moons/eval.json")))
  }

  @Test("An empty cell says why the other profile's run of it does not fill it: stale, not run, or unfinished")
  func refusedFillsAreExplained() throws {
    let (paper, short) = try paperAndShortPlans()
    let root = temporaryDirectory("refused-fill-runs")
    let runs = root + "/" + short.runGroup
    func run(_ identifier: String) throws -> RunSpec { try #require(short.runs.first { $0.identifier == identifier }) }
    try FakeRun.write(try run("resflow-moons"), under: runs, specHash: "feedface")
    try FakeRun.write(try run("resflow-mnist"), under: runs, status: "not-run", error: "MNIST not found at /nowhere")
    try FakeRun.write(try run("idensenet-moons"), under: runs, status: "interrupted")
    try FakeRun.write(try run("idensenet-mnist"), under: runs, testNLL: 1.125)
    let written = try TableReport(plan: paper, runsRoot: root, resultsDirectory: temporaryDirectory("refused-fill-results")).filling(from: short).write()
    let rows = try self.text(written.markdown).split(separator: "\n").map(String.init)
    let resflow = try #require(rows.first { $0.hasPrefix("| resflow |") })
    let idensenet = try #require(rows.first { $0.hasPrefix("| idensenet |") })
    #expect(resflow.contains("not run yet; short profile: stale: trained with another configuration (spec hash feedface"), "\(resflow)")
    #expect(resflow.contains("not run yet; short profile: not run: MNIST not found at /nowhere"), "\(resflow)")
    #expect(idensenet.contains("not run yet; short profile: interrupted, 0/10 iterations") && idensenet.contains("**1.125** ± 0.013 · *short profile*"), "\(idensenet)")
  }

  // MARK: Corrupt files

  @Test("An unreadable manifest or evaluation fails its own cell and the report is still written")
  func unreadableFilesFailTheirCell() throws {
    let plan = try plan()
    let runs = try completedRuns(of: plan, name: "corrupt-runs")
    try Data("{\"run\": tru".utf8).write(to: URL(fileURLWithPath: runs + "/resflow-moons/manifest.json"))
    try Data("not json".utf8).write(to: URL(fileURLWithPath: runs + "/idensenet-moons/eval.json"))
    let results = temporaryDirectory("corrupt-results")
    let written = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    let markdown = try text(written.markdown)
    let rows = markdown.split(separator: "\n").map(String.init)
    let resflow = try #require(rows.first { $0.hasPrefix("| resflow |") })
    let idensenet = try #require(rows.first { $0.hasPrefix("| idensenet |") })
    #expect(markdownCells(resflow)[1].hasPrefix("error: unreadable manifest ("))
    #expect(markdownCells(idensenet)[1].hasPrefix("error: unreadable evaluation ("))
    #expect(markdownCells(resflow)[2].hasPrefix("**"), "the other cells keep their numbers")
    #expect(markdownCells(resflow).count == 3 && markdownCells(idensenet).count == 3)
    let records = CSVReader.records(try text(written.csv))
    #expect(records.first { $0.last == "resflow-moons" }?[3] == "error")
  }

  // MARK: Escaping

  @Test("Labels with pipes, backslashes and line breaks stay in their Markdown cell, and CSV fields with commas and quotes stay in their column")
  func separatorsStayInTheirCells() throws {
    var text = smallSpec.replacingOccurrences(of: "resflow: {family: resflow,", with: "resflow: {label: \"a|b \\\\| c\\nd *e* _f_\", family: resflow,")
    text = text.replacingOccurrences(of: "moons: {kind: toy,", with: "moons: {label: \"x|y\", kind: toy,")
    text += "\nprofiles: {'fast,\"x\"': {training.iterations: 5}}\n"
    let plan = try plan(text)
    let runs = try completedRuns(of: plan, name: "escape-runs")
    try FakeRun.write(try #require(plan.runs.last), under: runs, status: "failed", error: "bad | thing\nsecond line")
    let results = temporaryDirectory("escape-results")
    let written = try TableReport(plan: plan, runsDirectory: runs).write(to: results)
    let lines = try self.text(written.markdown).split(separator: "\n").map(String.init)
    let header = try #require(lines.first { $0.hasPrefix("| Model |") })
    #expect(markdownCells(header) == ["Model", "x\\|y", "mnist"])
    let table = lines.drop { !$0.hasPrefix("| Model |") }.prefix { $0.hasPrefix("|") }
    #expect(table.count == 5)
    for row in table { #expect(markdownCells(row).count == 3, "\(row)") }
    let row = try #require(table.first { $0.contains("a\\|b") })
    #expect(markdownCells(row)[0] == "a\\|b \\\\\\| c d \\*e\\* \\_f\\_")
    let failed = try #require(table.first { $0.hasPrefix("| idensenet |") })
    #expect(markdownCells(failed)[2].hasPrefix("failed: bad \\| thing second line"))
    let records = CSVReader.records(try self.text(written.csv))
    #expect(records.count == 5)
    for record in records { #expect(record.count == records[0].count, "\(record)") }
    #expect(records.dropFirst().allSatisfy { $0[10] == "fast,\"x\"" })
  }

  // MARK: Generated by

  @Test("The Generated line is a command that reads the same runs, with --set, --runs-dir and --results-dir, and a run command reproduces them")
  func generatedLineReadsTheSameRuns() throws {
    let specPath = temporaryDirectory("generated-spec") + "/my spec.yaml"
    try Data(smallSpec.utf8).write(to: URL(fileURLWithPath: specPath))
    let sets = ["training.iterations=31", "experiment.description=it's \"quoted\"", "models.resflow.hidden=[8, 8]"]
    let plan = try ExperimentPlan.load(path: specPath, overrides: sets.map { try SpecOverride(parsing: $0) })
    let root = temporaryDirectory("generated-runs")
    let runs = root + "/" + plan.runGroup
    for run in plan.runs { try FakeRun.write(run, under: runs) }
    let results = temporaryDirectory("generated-results")
    let markdown = try text(try TableReport(plan: plan, runsDirectory: runs).write(to: results).markdown)
    for (prefix, command) in [("Generated by `", "report"), ("Reproduce with: `", "run")] {
      let line = try #require(markdown.split(separator: "\n").first { $0.hasPrefix(prefix) }, "no line starting \(prefix)")
      let quoted = line.dropFirst(prefix.count).prefix { $0 != "`" }
      let words = try shellWords(String(quoted))
      #expect(Array(words.prefix(3)) == ["lipflow", command, specPath])
      var options: [String: [String]] = [:]
      var index = 3
      while index + 1 < words.count {
        options[words[index], default: []].append(words[index + 1])
        index += 2
      }
      #expect(options["--profile"] == nil, "the spec has no profiles")
      #expect(options["--runs-dir"] == [root])
      #expect(options["--results-dir"] == [results])
      let again = try ExperimentPlan.load(path: specPath, profile: options["--profile"]?.first, overrides: (options["--set"] ?? []).map { try SpecOverride(parsing: $0) })
      #expect(again.runGroup == plan.runGroup)
      #expect(again.runs.map(\.resolvedYAML) == plan.runs.map(\.resolvedYAML))
    }
  }

  @Test("With the default directories, no profiles and no --set, the commands name only the spec")
  func generatedLineWithDefaults() throws {
    let plan = try plan()
    let markdown = TableReport(plan: plan, runsDirectory: "runs/" + plan.runGroup).markdown(cells: [:])
    #expect(markdown.contains("\nGenerated by `lipflow report small.yaml` from the run directories under `runs/small/default`.\n"))
    #expect(markdown.contains("\nReproduce with: `lipflow run small.yaml`.\n"))
  }

  @Test("The default results folder is results for the spec's default profile and results/<profile> for any other")
  func defaultResultsFolderFollowsTheProfile() throws {
    let (paper, short) = try paperAndShortPlans()
    #expect(TableReport.defaultResultsDirectory(for: paper) == "results")
    #expect(TableReport.defaultResultsDirectory(for: short) == "results/short")
    #expect(TableReport.defaultResultsDirectory(for: try plan()) == "results", "a spec without profiles")
    let shortByDefault = smallSpec + "\ndefault_profile: short\nprofiles:\n  paper: {}\n  short:\n    training.iterations: 10\n"
    #expect(TableReport.defaultResultsDirectory(for: try ExperimentPlan.parse(shortByDefault, file: "small.yaml")) == "results")
    #expect(TableReport.defaultResultsDirectory(for: try ExperimentPlan.parse(shortByDefault, file: "small.yaml", profile: "paper")) == "results/paper")
    let markdown = TableReport(plan: short, runsRoot: "runs", resultsDirectory: "results/short").markdown(cells: [:])
    #expect(markdown.contains("\nGenerated by `lipflow report small.yaml --profile short` from"))
  }

  // MARK: The committed table

  /// The committed report at `results/<prefix><experiment>.md` written again by `report` from a
  /// runs root laid out by `layout`: the same Markdown (but the command lines naming the runs
  /// folder), the same CSV and `figures`.
  func expectRegenerated(
    prefix: String, experiment: String = "table1", figures: [String] = ["curves-moons.svg", "curves-mnist.svg", "dot-plot.svg"],
    layout: (String) throws -> Void, report: (String, String) throws -> (markdown: String, csv: String)
  ) throws {
    let root = temporaryDirectory("committed-runs")
    try layout(root)
    let results = temporaryDirectory("committed-results")
    let written = try report(root, results)
    let committed = repositoryRoot + "/results/" + prefix
    let isCommandLine = { (line: Substring) in line.hasPrefix("Generated by") || line.hasPrefix("Reproduce with") }
    let before = try text(committed + experiment + ".md").split(separator: "\n", omittingEmptySubsequences: false).filter { !isCommandLine($0) }
    let after = try text(written.markdown).split(separator: "\n", omittingEmptySubsequences: false).filter { !isCommandLine($0) }
    #expect(after == before)
    #expect(try text(written.csv) == text(committed + experiment + ".csv"))
    for figure in figures {
      #expect(try text(results + "/" + experiment + "/" + figure) == text(committed + experiment + "/" + figure), "\(figure)")
    }
  }

  @Test("The committed quick Table 1 is regenerated from its own run files")
  func committedQuickTableIsRegenerated() throws {
    let plan = try ExperimentPlan.load(path: repositoryRoot + "/experiments/table1.yaml", profile: "quick")
    try expectRegenerated(prefix: "quick/") { root in
      try manager.createDirectory(atPath: root + "/table1", withIntermediateDirectories: true)
      try manager.copyItem(atPath: repositoryRoot + "/results/quick/table1", toPath: root + "/" + plan.runGroup)
    } report: { root, results in
      try TableReport(plan: plan, runsRoot: root, resultsDirectory: results).write()
    }
  }

  @Test("The committed hybrid-mnist report is regenerated from its own run files")
  func committedHybridReportIsRegenerated() throws {
    let plan = try ExperimentPlan.load(path: repositoryRoot + "/experiments/hybrid-mnist.yaml", profile: "quick")
    try expectRegenerated(prefix: "quick/", experiment: "hybrid-mnist", figures: []) { root in
      try manager.createDirectory(atPath: root + "/hybrid-mnist", withIntermediateDirectories: true)
      try manager.copyItem(atPath: repositoryRoot + "/results/quick/hybrid-mnist", toPath: root + "/" + plan.runGroup)
    } report: { root, results in
      try TableReport(plan: plan, runsRoot: root, resultsDirectory: results).write()
    }
  }

  @Test("The committed Table 1 (paper-budget runs, quick runs where none) is regenerated from the committed run files")
  func committedTableIsRegenerated() throws {
    let table = repositoryRoot + "/experiments/table1.yaml"
    let (paper, quick) = (try ExperimentPlan.load(path: table, profile: "paper"), try ExperimentPlan.load(path: table, profile: "quick"))
    try expectRegenerated(prefix: "") { root in
      // results/table1/ holds the paper runs and copies of the quick runs that fill the rest.
      try manager.createDirectory(atPath: root + "/" + paper.runGroup, withIntermediateDirectories: true)
      let folder = repositoryRoot + "/results/table1"
      for run in try manager.contentsOfDirectory(atPath: folder) where try RunManifest.read(directory: folder + "/" + run)?.profile == "paper" {
        try manager.copyItem(atPath: folder + "/" + run, toPath: root + "/" + paper.runGroup + "/" + run)
      }
      try manager.copyItem(atPath: repositoryRoot + "/results/quick/table1", toPath: root + "/" + quick.runGroup)
    } report: { root, results in
      try TableReport(plan: paper, runsRoot: root, resultsDirectory: results).filling(from: quick).write()
    }
  }

  // MARK: Speed

  @Test("A report of many runs has one row per sweep point, in plan order (prints its time)")
  func manyRunsAreReportedInOrder() throws {
    let count = Int(ProcessInfo.processInfo.environment["LIPFLOW_REPORT_RUNS"] ?? "") ?? 2000
    var text = smallSpec.replacingOccurrences(of: "columns: [moons, mnist]", with: "columns: [moons]")
    text = text.replacingOccurrences(of: "rows: [resflow, idensenet]", with: "rows: [resflow]")
    text += "\nsweep: {seed: [" + (0..<count).map(String.init).joined(separator: ", ") + "]}\n"
    let planStart = Date()
    let plan = try plan(text)
    let planSeconds = Date().timeIntervalSince(planStart)
    let report = TableReport(plan: plan, runsDirectory: temporaryDirectory("many-runs"))
    let start = Date()
    let cells = report.cells()
    let markdown = report.markdown(cells: cells)
    let csv = report.csv(cells: cells)
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "report of %d runs: %.2f s (plan construction %.2f s)", plan.runs.count, seconds, planSeconds))
    let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| resflow [seed=") }
    #expect(rows.count == count)
    #expect(rows.first?.hasPrefix("| resflow [seed=0] |") == true && rows.last?.hasPrefix("| resflow [seed=\(count - 1)] |") == true)
    #expect(csv.split(separator: "\n").count == count + 1)
  }
}

@Suite("Report file operations")
struct ReportFileOperationsTests {
  let manager = FileManager.default

  func failure(_ body: () throws(HarnessError) -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test("Copying onto an existing file, moving a missing file and making a folder below a file fail with the path and the system's reason")
  func failuresNameThePathAndTheReason() throws {
    let directory = temporaryDirectory("file-operations")
    try Data("a".utf8).write(to: URL(fileURLWithPath: directory + "/a"))
    try Data("b".utf8).write(to: URL(fileURLWithPath: directory + "/b"))
    #expect(failure { () throws(HarnessError) in try FileOperations.copy(directory + "/a", to: directory + "/b") } == directory + "/b: File exists")
    #expect(failure { () throws(HarnessError) in try FileOperations.move(directory + "/missing", to: directory + "/c") } == directory + "/missing: No such file or directory")
    #expect(failure { () throws(HarnessError) in try FileOperations.createDirectory(directory + "/a/sub") } == directory + "/a: exists and is not a folder")
    #expect(try String(contentsOfFile: directory + "/b", encoding: .utf8) == "b")
  }

  @Test("A Foundation error becomes the text of its POSIX error")
  func foundationErrorsBecomeOneLine() throws {
    let directory = temporaryDirectory("file-operations-foundation")
    try Data("a".utf8).write(to: URL(fileURLWithPath: directory + "/a"))
    #expect(throws: (any Error).self) { try manager.copyItem(atPath: directory + "/a", toPath: directory + "/a") }
    do {
      try manager.copyItem(atPath: directory + "/a", toPath: directory + "/a")
    } catch {
      #expect(FileOperations.reason(for: error) == "File exists")
    }
    #expect(FileOperations.reason(for: CocoaError(.fileWriteOutOfSpace)) == "No space left on device")
  }

  @Test("Copying and removing a folder copies its files and links, and removing a link leaves its target")
  func foldersAreCopiedAndRemovedWhole() throws {
    let directory = temporaryDirectory("file-operations-folders")
    try manager.createDirectory(atPath: directory + "/source/inner", withIntermediateDirectories: true)
    try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/source/inner/file"))
    try Data("kept".utf8).write(to: URL(fileURLWithPath: directory + "/target-of-link"))
    try manager.createSymbolicLink(atPath: directory + "/source/link", withDestinationPath: directory + "/target-of-link")
    try FileOperations.copy(directory + "/source", to: directory + "/copy")
    #expect(listing(directory + "/copy") == ["inner", "inner/file", "link"])
    #expect(try manager.destinationOfSymbolicLink(atPath: directory + "/copy/link") == directory + "/target-of-link")
    try FileOperations.remove(directory + "/copy")
    try FileOperations.remove(directory + "/source")
    #expect(listing(directory) == ["target-of-link"])
  }

  @Test("Markdown and CSV files of the same name that the report did not write are not overwritten")
  func foreignTablesAreKept() throws {
    let plan = try ExperimentPlan.parse(smallSpec.replacingOccurrences(of: "name: small", with: "name: README"))
    let results = temporaryDirectory("foreign-tables")
    try Data("# Our results\n".utf8).write(to: URL(fileURLWithPath: results + "/README.md"))
    #expect(throws: HarnessError.io(path: results + "/README.md", reason: "not replaced: it was not written by lipflow report; move it away or use another --results-dir")) {
      try TableReport(plan: plan, runsRoot: temporaryDirectory("foreign-tables-runs"), resultsDirectory: results).write()
    }
    #expect(listing(results) == ["README.md"])
  }
}
