import Foundation
import Harness
import LipFlowCLI
import LipFlowTestSupport
import Testing

/// `validate`, `run --dry-run`, `report` and the exit statuses, from real argument lists.
@Suite("lipflow commands")
struct CommandLineTests {
  @Test("validate lists the runs of a good spec and exits 0")
  func validateListsRuns() {
    let result = lipflow(["validate", repositoryRoot + "/experiments/table1.yaml", "--profile", "ci"])
    #expect(result.status == 0, "\(result)")
    #expect(result.output.first?.hasSuffix("valid; experiment 'table1', profile 'ci', 15 runs") == true)
    #expect(result.output.contains("  resflow-moons: 40 iterations"))
  }

  @Test("A spec error is one located line on standard error and exit status 2")
  func specErrorsExitTwo() throws {
    let directory = temporaryDirectory("spec-error")
    let path = directory + "/bad.yaml"
    try tinySpec.replacingOccurrences(of: "coefficient: 0.9}", with: "coefficient: 1.5}").write(toFile: path, atomically: true, encoding: .utf8)
    let result = lipflow(["validate", path])
    #expect(result.status == 2)
    #expect(result.errors == ["error: \(path):4:72: models.resflow.coefficient: 1.5 is out of range; allowed: in (0, 1)"])
  }

  @Test("run --dry-run lists every run with its state and trains nothing")
  func dryRunTrainsNothing() throws {
    let directory = temporaryDirectory("dry-run")
    try tinySpec.write(toFile: directory + "/tiny.yaml", atomically: true, encoding: .utf8)
    let result = lipflow(["run", directory + "/tiny.yaml", "--runs-dir", directory + "/runs", "--dry-run", "--threads", "1"])
    #expect(result.status == 0, "\(result)")
    #expect(result.output.contains { $0.hasPrefix("  resflow-moons: ") && $0.hasSuffix("[new]") })
    #expect(!FileManager.default.fileExists(atPath: directory + "/runs/tiny/default/resflow-moons"))
  }

  @Test("report writes the tables and exits 0; an unknown option is a usage error with status 64")
  func reportAndUsage() throws {
    let directory = temporaryDirectory("report")
    try tinySpec.write(toFile: directory + "/tiny.yaml", atomically: true, encoding: .utf8)
    let result = lipflow(["report", directory + "/tiny.yaml", "--runs-dir", directory + "/runs", "--results-dir", directory + "/results"])
    #expect(result.status == 0, "\(result)")
    #expect(FileManager.default.fileExists(atPath: directory + "/results/tiny.md"))
    let usage = lipflow(["report", directory + "/tiny.yaml", "--no-such-option"])
    #expect(usage.status == 64 && usage.errors.joined().contains("no-such-option"))
  }

  @Test("One version number everywhere: lipflow --version, README.md and CITATION.cff")
  func oneVersionEverywhere() throws {
    let result = lipflow(["--version"])
    #expect(result.status == 0 && result.output == [LipFlowVersion.current])
    let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
    #expect(readme.contains("Version \(LipFlowVersion.current) contains"))
    let citation = try String(contentsOfFile: repositoryRoot + "/CITATION.cff", encoding: .utf8)
    #expect(citation.contains("\nversion: \(LipFlowVersion.current)\n"))
  }

  @Test("Errors map to one exit status each: spec 2, files 1, interruption 130, raw Foundation errors as one line")
  func errorsMapToExitStatuses() {
    #expect(ExitStatus.of(SpecError(file: "s.yaml", line: 1, column: 2, keyPath: "a", message: "bad"))! == (2, "error: s.yaml:1:2: a: bad"))
    #expect(ExitStatus.of(HarnessError.io(path: "p", reason: "Permission denied"))! == (1, "error: p: Permission denied"))
    #expect(ExitStatus.of(CommandFailure.interrupted)!.status == 130)
    #expect(ExitStatus.of(CommandFailure.runsFailed(["a"]))! == (1, "run: 1 run failed: a"))
    let cocoa = NSError(
      domain: NSCocoaErrorDomain, code: 513,
      userInfo: [NSFilePathErrorKey: "/x/y", NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))])
    #expect(ExitStatus.of(cocoa)! == (1, "error: /x/y: Permission denied"))
  }
}
