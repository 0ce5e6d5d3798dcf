import Foundation
import Harness
import Testing

/// Experiment, profile, model and dataset names and run identifiers become directory names.
@Suite("Names that become paths")
struct SpecPathSafetyTests {
  /// `text` with the model `resflow` renamed (its family stays resflow).
  static func renamingResflow(_ text: String, to name: String) -> String {
    text.replacingOccurrences(of: "resflow: {family", with: "\(name): {family").replacingOccurrences(of: "[resflow,", with: "[\(name),")
      .replacingOccurrences(of: "{resflow:", with: "{\(name):")
  }

  @Test("An experiment named '.' or '..' is rejected where the name is written")
  func dotNamesAreRejected() {
    #expect(specError(smallSpec.replacingOccurrences(of: "{name: small}", with: "{name: ..}"))
      == "spec.yaml:1:20: experiment.name: experiment name '..' is a directory reference; allowed: 1 to 100 bytes of letters, digits, - _ . (not '.' or '..')")
    #expect(specError(smallSpec.replacingOccurrences(of: "{name: small}", with: "{name: .}")).hasSuffix("experiment name '.' is a directory reference; allowed: 1 to 100 bytes of letters, digits, - _ . (not '.' or '..')"))
    #expect(specError(smallSpec.replacingOccurrences(of: "{name: small}", with: "{name: \"a/b\"}")).contains("experiment.name: experiment name 'a/b' contains '/'"))
    #expect(specError(smallSpec, overrides: ["experiment.name=.."]).contains("experiment name '..' is a directory reference"))
  }

  @Test("A profile whose name is a path is rejected, so that runs cannot leave the runs directory")
  func profileNamesArePathComponents() {
    let escaping = smallSpec(profiles: ["paper: {}", "../../../x: {}"])
    #expect(specError(escaping, profile: "../../../x")
      == "spec.yaml:28:3: profiles.../../../x: profile name '../../../x' contains '/'; allowed: 1 to 100 bytes without '/' or control characters, not '.' or '..'")
    #expect(specError(escaping).contains("profile name '../../../x' contains '/'"))
    #expect(specError(smallSpec + "\ndefault_profile: ../up\n").hasSuffix("default_profile: profile name '../up' contains '/'; allowed: 1 to 100 bytes without '/' or control characters, not '.' or '..'"))
    #expect(specError(smallSpec(profiles: ["paper: {}", "\"tab\\tbed\": {}"])).contains("profile name 'tab\\u{9}bed' contains a control character"))
  }

  @Test("Names longer than 100 bytes are rejected, and the names valid before stay valid")
  func namesAreBounded() throws {
    let long = String(repeating: "m", count: 101)
    #expect(specError(SpecPathSafetyTests.renamingResflow(smallSpec, to: long))
      == "spec.yaml:4:3: models: model name '\(long)' is 101 bytes long; allowed: 1 to 100 bytes of letters, digits, - and _")
    #expect(specError(smallSpec.replacingOccurrences(of: "moons", with: long)).contains("datasets: dataset name '\(long)' is 101 bytes long"))
    let plan = try ExperimentPlan.parse(
      SpecPathSafetyTests.renamingResflow(smallSpec.replacingOccurrences(of: "{name: small}", with: "{name: .table1_v2-b.c}"), to: String(repeating: "r", count: 100)),
      file: "spec.yaml")
    #expect(plan.name == ".table1_v2-b.c" && plan.runGroup == ".table1_v2-b.c/default")
  }

  @Test("A run identifier longer than 200 bytes is rejected at the sweep axis that makes it long")
  func runIdentifiersAreBounded() {
    let label = String(repeating: "x", count: 180)
    let text = smallSpec + "\nsweep:\n  data.label: [short, \(label)]\n"
    #expect(specError(text)
      == "spec.yaml:27:3: sweep.data.label: run identifier 'resflow-moons-data.label=\(label)' is 205 bytes long; allowed: at most 200 bytes (shorten the names or the swept values)")
  }
}
