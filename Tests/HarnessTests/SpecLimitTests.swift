import Foundation
import Harness
import Testing

/// Specs that would validate and then crash or exhaust the machine are rejected at validation.
@Suite("Spec limits")
struct SpecLimitTests {
  /// A "billion laughs": ten levels of lists of ten aliases of the level below (10¹⁰ nodes expanded, 1 KB written).
  static let aliasBomb = (1...9).reduce(["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]) { levels, level in
    levels + ["a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]"]
  }

  @Test("A YAML alias bomb in an unused profile is refused after composing, before anything expands it")
  func aliasBombsAreRefused() {
    let text = smallSpec(profiles: ["paper: {}", "unused:"] + SpecLimitTests.aliasBomb.map { "  evaluation.x" + $0 })
    #expect(specError(text) == "spec.yaml:26:1: profiles: the spec has more than 100000 nodes once its aliases are expanded; allowed: at most 100000 (an alias repeats the node it names)")
    #expect(specError(smallSpec, overrides: ["evaluation.x=" + SpecLimitTests.aliasBomb.joined(separator: ", ").replacingOccurrences(of: "a0: ", with: "{a0: ") + "}"])
      .hasPrefix("<command line>: --set evaluation.x={a0: &a0"))
  }

  @Test("A sweep of a million runs is refused before it is expanded, naming the sweep and the count")
  func hugeSweepsAreRefused() {
    let thousand = "[" + (0..<1000).map(String.init).joined(separator: ", ") + "]"
    let text = smallSpec + "\nsweep:\n  seed: \(thousand)\n  training.batch_size: \(thousand.replacingOccurrences(of: "[0, ", with: "["))\n"
    #expect(specError(text) == "spec.yaml:27:3: sweep: 3996000 runs (2 rows × 2 columns × 999000 sweep points); allowed: at most 50000 runs")
  }

  @Test("Russian-roulette parameters with an unbounded expected number of terms are refused")
  func estimatorParametersAreBounded() {
    func estimator(_ body: String) -> String {
      specError(smallSpec.replacingOccurrences(of: "coefficient: 0.9}", with: "coefficient: 0.9, estimator: {\(body)}}"))
    }
    #expect(estimator("kind: russian_roulette, distribution: poisson, parameter: 1.0e9")
      .hasSuffix("models.resflow.estimator.parameter: 1.0e9 is out of range; allowed: a rate in (0, 50] (the expected number of terms)"))
    #expect(estimator("kind: russian_roulette, distribution: geometric, parameter: 1.0e-9")
      .hasSuffix("models.resflow.estimator.parameter: 1.0e-9 is out of range; allowed: a probability in [0.01, 1) (1/p is the expected number of terms)"))
    #expect(estimator("kind: power_series, terms: 1000").hasSuffix("models.resflow.estimator.terms: 1000 is out of range; allowed: 1…100"))
    #expect(estimator("kind: russian_roulette, exact_terms: 101").hasSuffix("models.resflow.estimator.exact_terms: 101 is out of range; allowed: 0…100"))
    #expect(estimator("kind: russian_roulette, samples: 101").hasSuffix("models.resflow.estimator.samples: 101 is out of range; allowed: 1…100"))
    #expect(estimator("kind: russian_roulette, distribution: poisson, parameter: 50") == "no error")
  }

  @Test("A model of more than 100 million parameters is refused at its definition with its count and memory, without building it")
  func hugeModelsAreRefused() {
    #expect(specError(smallSpec.replacingOccurrences(of: "hidden: [16, 16]", with: "hidden: [65536, 65536]"))
      .hasPrefix("spec.yaml:4:12: models.resflow: at least 8.59 billion parameters on moons (about 172 GB to train); allowed: at most 100 million"))
    #expect(specError(smallSpec.replacingOccurrences(of: "depth: 2", with: "depth: 64").replacingOccurrences(of: "growth: 8", with: "growth: 65536"))
      .contains("models.idensenet: at least"))
    #expect(specError(smallSpec.replacingOccurrences(of: "hidden: [16, 16]", with: "hidden: [8192, 8192]")).contains("models.resflow: at least"))
    #expect(specError(smallSpec, overrides: ["models.resflow.image={hidden: [65536, 65536]}"]).contains("models.resflow: at least"))
  }

  @Test("Epochs whose iterations exceed the iteration limit are refused at epochs, however large")
  func epochsAreBounded() {
    let mnist = "mnist: {kind: mnist, path: /nonexistent/mnist}"
    #expect(specError(smallSpec.replacingOccurrences(of: mnist, with: "mnist: {kind: mnist, path: /nonexistent/mnist, training: {epochs: 1.0e300}}"))
      .hasSuffix("training.epochs: 1.0e300 epochs are more than 100000000 iterations at batch size 64 on mnist; allowed: at most 100000000 iterations"))
    #expect(specError(smallSpec.replacingOccurrences(of: mnist, with: "mnist: {kind: mnist, path: /nonexistent/mnist, training: {epochs: 1.0e6, batch_size: 1}}"))
      .hasSuffix("training.epochs: 1.0e6 epochs are more than 100000000 iterations at batch size 1 on mnist; allowed: at most 100000000 iterations"))
  }

  @Test("A hundred million test samples stay allowed and validate without allocating for them")
  func largeEvaluationsValidate() throws {
    let plan = try ExperimentPlan.parse(smallSpec.replacingOccurrences(of: "test_samples: 500", with: "test_samples: 100000000, final_test_samples: 100000000"))
    #expect(plan.runs.allSatisfy { $0.evaluation.finalTestSamples == 100_000_000 })
  }
}
