/// How trained models are evaluated (spec key `evaluation`).
///
/// ```yaml
/// evaluation:
///   every: 1000            # test NLL in metrics.csv every this many iterations
///   test_samples: 10000    # fresh samples per periodic evaluation
///   final_test_samples: 100000
///   test_seed: 20210218
/// ```
public struct EvaluationSpec: Equatable, Sendable {
  /// Iterations between periodic test evaluations.
  public var every: Int
  /// Samples per periodic evaluation (≥ 10,000 in the reference protocol).
  public var testSamples: Int
  /// Samples of the final evaluation, the number in the table.
  public var finalTestSamples: Int
  /// The seed of the test samples (the same for every run, so runs are compared on equal data).
  public var testSeed: UInt64

  /// The keys allowed under `evaluation`.
  public static let keys = ["every", "test_samples", "final_test_samples", "test_seed"]

  /// Reads the evaluation block strictly.
  public init(node: SpecNode) throws {
    let mapping = try node.mapping(allowedKeys: EvaluationSpec.keys)
    every = try mapping.optional("every")?.integer(in: 1...Int.max) ?? 1000
    testSamples = try mapping.optional("test_samples")?.integer(in: 2...100_000_000) ?? 10_000
    finalTestSamples = try mapping.optional("final_test_samples")?.integer(in: 2...100_000_000) ?? testSamples
    testSeed = UInt64(try mapping.required("test_seed").integer(in: 0...Int.max))
  }
}
