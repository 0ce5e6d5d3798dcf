import Foundation
import Harness
import LipFlowTestSupport
import Testing

@Suite("Child processes")
struct ChildProcessTests {
  @Test("Standard output, standard error and the exit status are captured apart")
  func capturesOutputErrorAndStatus() throws {
    let result = try ChildProcess.run("/bin/sh", ["-c", "printf 'out\\n'; printf 'err\\n' >&2; exit 3"])
    #expect(result.standardOutput == "out\n")
    #expect(result.standardError == "err\n")
    #expect(result.status == 3)
    #expect(result.program == "/bin/sh")
  }

  @Test("A bare program name is found on PATH")
  func findsBareNamesOnPath() throws {
    let result = try ChildProcess.run("echo", ["hello", "world"])
    #expect(result.status == 0)
    #expect(try result.successfulOutput() == "hello world\n")
  }

  @Test("A failed child's output is refused with its program, status and standard error")
  func successfulOutputNamesTheFailure() throws {
    let result = try ChildProcess.run("sh", ["-c", "echo 'no such job' >&2; exit 1"])
    #expect(throws: HarnessError.io(path: "sh", reason: "exited with status 1: no such job")) { try result.successfulOutput() }
  }

  @Test("A program that cannot be started throws naming it")
  func missingProgramThrows() {
    let path = temporaryDirectory("child-process") + "/missing-program"
    #expect(throws: HarnessError.self) { try ChildProcess.run(path, []) }
  }

  @Test("Both streams are drained together: a child writing 1 MiB to each does not block")
  func largeOutputOnBothStreams() throws {
    let script = "head -c 1048576 /dev/zero | tr '\\0' o; head -c 1048576 /dev/zero | tr '\\0' e >&2"
    let result = try ChildProcess.run("/bin/sh", ["-c", script])
    #expect(result.status == 0)
    #expect(result.standardOutput.utf8.count == 1_048_576)
    #expect(result.standardError.utf8.count == 1_048_576)
  }

  @Test("The child runs in the given working directory")
  func runsInDirectory() throws {
    let directory = temporaryDirectory("child-process-directory")
    let result = try ChildProcess.run("pwd", [], in: directory)
    #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(URL(fileURLWithPath: directory).lastPathComponent))
  }
}
