import Foundation
import Harness
import Testing

/// Quoted numbers, and errors in values that came from a profile, a sweep or the command line.
@Suite("Spec value origins")
struct SpecOriginTests {
  @Test("A quoted number is a string, not a number, in the file and on the command line")
  func quotedNumbersAreStrings() {
    #expect(specError(smallSpec.replacingOccurrences(of: "coefficient: 0.9}", with: "coefficient: \"0.9\"}"))
      == "spec.yaml:4:72: models.resflow.coefficient: expected a number, found the string '0.9' (quoted)")
    #expect(specError(smallSpec.replacingOccurrences(of: "iterations: 30", with: "iterations: '30'"))
      == "spec.yaml:16:15: training.iterations: expected an integer, found the string '30' (quoted)")
    #expect(specError(smallSpec.replacingOccurrences(of: "learnable: true", with: "learnable: \"true\""))
      .hasSuffix("models.idensenet.concatenation.learnable: expected true or false, found the string 'true' (quoted)"))
    #expect(specError(smallSpec, overrides: ["training.iterations='30'"])
      == "<command line>: --set training.iterations='30': training.iterations: expected an integer, found the string '30' (quoted)")
  }

  @Test("An error in a --set value or key names the --set it came from")
  func commandLineErrorsNameTheOverride() {
    #expect(specError(smallSpec, overrides: ["models.resflow.coefficient=2"])
      == "<command line>: --set models.resflow.coefficient=2: models.resflow.coefficient: 2 is out of range; allowed: in (0, 1)")
    #expect(specError(smallSpec, overrides: ["training.iteration=5"])
      == "<command line>: --set training.iteration=5: training.iteration: unknown key 'iteration'; allowed: iterations, epochs, batch_size, optimizer, warmup_iterations, gradient_clipping, ema, checkpoint_every, log_every, gemm; did you mean 'iterations'?")
    #expect(specError(smallSpec, overrides: ["trainin.iterations=5"])
      .hasPrefix("<command line>: --set trainin.iterations=5: trainin: unknown key 'trainin'; allowed: experiment"))
    #expect(specError(smallSpec, overrides: ["models.resflow.estimator={kind: power_series, terms: 0}"])
      == "<command line>: --set models.resflow.estimator={kind: power_series, terms: 0}: models.resflow.estimator.terms: 0 is out of range; allowed: 1…100")
    #expect(specError(smallSpec, overrides: ["no-equals-sign"]) == "<command line>: --set no-equals-sign: expected key.path=value")
  }

  @Test("An error in a value from a profile points at the profile, even for a key the profile adds")
  func profileErrorsPointAtTheProfile() {
    #expect(specError(smallSpec(profiles: ["paper: {}", "quick: {models.resflow.coefficient: 2}"]), profile: "quick")
      == "spec.yaml:28:39: models.resflow.coefficient: 2 is out of range; allowed: in (0, 1)")
    #expect(specError(smallSpec(profiles: ["paper: {}", "quick: {training.iteration: 5}"]), profile: "quick")
      .hasPrefix("spec.yaml:28:31: training.iteration: unknown key 'iteration'"))
  }

  @Test("An error in a value from a sweep points at the sweep, even for a key the sweep adds")
  func sweepErrorsPointAtTheSweep() {
    #expect(specError(smallSpec + "\nsweep:\n  model.coefficient: [0.5, 1.5]\n") == "spec.yaml:27:28: model.coefficient: 1.5 is out of range; allowed: in (0, 1)")
    #expect(specError(smallSpec + "\nsweep:\n  model.coeficient: [0.5]\n").hasPrefix("spec.yaml:27:22: model.coeficient: unknown key 'coeficient'"))
  }
}
