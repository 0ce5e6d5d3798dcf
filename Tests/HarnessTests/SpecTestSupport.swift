import Foundation
import Harness

/// The one-line error of resolving `text` as `spec.yaml`, or "no error".
func specError(_ text: String, profile: String? = nil, overrides: [String] = []) -> String {
  do {
    _ = try ExperimentPlan.parse(text, file: "spec.yaml", profile: profile, overrides: overrides.map { try SpecOverride(parsing: $0) })
    return "no error"
  } catch {
    return "\(error)"
  }
}

/// ``smallSpec`` with `profiles` appended (each line indented under `profiles:`).
func smallSpec(profiles: [String]) -> String {
  smallSpec + "\nprofiles:\n" + profiles.map { "  " + $0 }.joined(separator: "\n") + "\n"
}
