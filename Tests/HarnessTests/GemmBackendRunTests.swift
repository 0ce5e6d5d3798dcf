import FlowCore
import Foundation
import Harness
import LipFlowTestSupport
import Testing

@Suite("The matrix-product backend of a run")
struct GemmBackendRunTests {
  /// The small spec with `training.gemm: value` (or without the key), at batch 300. At the small
  /// spec's batch of 64 the two libraries gave identical bits on this machine (both summed each
  /// element of those at most 64-deep products as one chain of fused multiply-adds); the weight
  /// gradients' depth of 300 is blocked differently by the two.
  static func spec(gemm value: String?) -> String {
    let text = smallSpec.replacingOccurrences(of: "  batch_size: 64\n", with: "  batch_size: 300\n")
    guard let value else { return text }
    return text.replacingOccurrences(of: "  log_every: 5\n", with: "  log_every: 5\n  gemm: \(value)\n")
  }

  /// The completed evaluation, the metrics (iteration, loss bits, test NLL bits) and the manifest of `resflow-moons` trained with `threads`.
  func trained(gemm value: String?, threads: Int) throws -> (evaluation: RunEvaluation, metrics: [[Int]], manifest: RunManifest) {
    let run = try #require(try ExperimentPlan.parse(Self.spec(gemm: value)).runs.first { $0.identifier == "resflow-moons" })
    let directory = temporaryDirectory("gemm-\(value ?? "default")-\(threads)")
    let outcome = try trainer(run, in: directory, threads: threads).train()
    guard case .completed(let evaluation) = outcome else { throw RunDidNotComplete(outcome: "\(outcome)") }
    let metrics = MetricRow.read(path: directory + "/metrics.csv").map { [$0.iteration, Int($0.loss.bitPattern), Int(($0.testNLL ?? 0).bitPattern)] }
    return (evaluation, metrics, try #require(try RunManifest.read(directory: directory)))
  }

  @Test("A run with OpenBLAS products gives the same bits with one and three threads, and other bits than the package's kernel")
  func openBLASRunsAreReproducibleAcrossThreads() throws {
    let (one, oneMetrics, oneManifest) = try trained(gemm: "openblas", threads: 1)
    let (three, threeMetrics, _) = try trained(gemm: "openblas", threads: 3)
    #expect(one.testNLL.bitPattern == three.testNLL.bitPattern && oneMetrics == threeMetrics)
    let (simd, simdMetrics, simdManifest) = try trained(gemm: nil, threads: 1)
    #expect(simd.testNLL.bitPattern != one.testNLL.bitPattern && simdMetrics != oneMetrics, "the key changed nothing")
    #expect(abs(simd.testNLL - one.testNLL) < 0.05, "the backends should agree to rounding: \(simd.testNLL) vs \(one.testNLL)")
    #expect(oneManifest.matrixProducts?.count == 1 && oneManifest.matrixProducts?[0].hasPrefix("OpenBLAS") == true && oneManifest.matrixProducts?[0].contains("; core ") == true, "\(oneManifest.matrixProducts ?? [])")
    #expect(simdManifest.matrixProducts == ["LipFlow SimdGemm (AVX2 + FMA)"])
  }

  @Test("A run resumed with another matrix-product library lists both in its manifest and says so in its log")
  func aChangedLibraryIsRecordedOnResume() throws {
    let run = try #require(try ExperimentPlan.parse(Self.spec(gemm: nil)).runs.first { $0.identifier == "resflow-moons" })
    let directory = temporaryDirectory("gemm-changed")
    var iterations = 0
    _ = try trainer(run, in: directory, threads: 1).train(shouldStop: { iterations += 1; return iterations == 7 })
    var manifest = try #require(try RunManifest.read(directory: directory))
    #expect(manifest.matrixProducts == ["LipFlow SimdGemm (AVX2 + FMA)"])
    manifest.matrixProducts = ["OpenBLAS 0.0 elsewhere; core Other"]  // as if begun on another machine's library
    try manifest.write(directory: directory)
    var lines: [String] = []
    _ = try trainer(run, in: directory, threads: 1).train(log: { lines.append($0) })
    let resumed = try #require(try RunManifest.read(directory: directory))
    #expect(resumed.matrixProducts == ["OpenBLAS 0.0 elsewhere; core Other", "LipFlow SimdGemm (AVX2 + FMA)"] && resumed.sessions == 2)
    #expect(resumed.sessionHistory?.map(\.matrixProducts) == ["LipFlow SimdGemm (AVX2 + FMA)", "LipFlow SimdGemm (AVX2 + FMA)"], "the edit above changed only the summary list")
    #expect(lines.contains { $0.contains("resumed with other matrix products (before: OpenBLAS 0.0 elsewhere; core Other") }, "\(lines)")
    _ = try trainer(run, in: directory, threads: 1).train()
    #expect(try RunManifest.read(directory: directory)?.matrixProducts?.count == 2, "a completed run is not resumed, so nothing is added")
  }

  @Test("The key defaults to the package's kernel, leaves a spec without it unchanged, and refuses other libraries by key path")
  func keyIsReadStrictly() throws {
    let plain = try #require(try ExperimentPlan.parse(Self.spec(gemm: nil)).runs.first)
    #expect(plain.training.gemm == .simd && !plain.resolvedYAML.contains("gemm"))
    let chosen = try #require(try ExperimentPlan.parse(Self.spec(gemm: "openblas")).runs.first)
    #expect(chosen.training.gemm == .openBLAS)
    do {
      _ = try ExperimentPlan.parse(Self.spec(gemm: "mkl"), file: "small.yaml")
      Issue.record("gemm: mkl was accepted")
    } catch {
      let message = "\(error)"
      #expect(message.contains("small.yaml:") && message.contains("training.gemm") && message.contains("simd") && message.contains("openblas"), "\(message)")
    }
  }
}

/// A run of the tests that ended other than completed.
struct RunDidNotComplete: Error {
  let outcome: String
}
