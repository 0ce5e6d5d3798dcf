import Foundation

/// `eval.json`: the final numbers of a run.
public struct RunEvaluation: Codable, Equatable, Sendable {
  /// The run identifier.
  public var run: String
  /// Model and dataset names.
  public var model: String
  public var dataset: String
  /// Iterations trained.
  public var iterations: Int
  /// Test negative log-likelihood (mean over the final test samples): of the images (nats or
  /// bits/dim), or for a classifier (task classification) of the labels, −log p(y|x) in nats.
  public var testNLL: Double
  /// Its standard error.
  public var testStandardError: Double
  /// `nats`, `bits/dim` or (a classifier's) `nats/label`.
  public var unit: String
  /// Test samples and their seed.
  public var testSamples: Int
  public var testSeed: UInt64
  /// The distribution's entropy (a lower bound on any model's NLL), toy data only.
  public var entropy: Double?
  /// Learned concatenation weights `[block][layer] = [η̂₁, η̂₂]`, for dense models.
  public var concatenationWeights: [[[Double]]]?
  /// Trainable numbers of the model.
  public var parameters: Int
  /// Passes over the training images (image runs).
  public var epochs: Double? = nil
  /// The directory the images were read from (image runs).
  public var dataPath: String? = nil
  /// The model's task when it is not density estimation (`classification`, `hybrid`).
  public var task: String? = nil
  /// λ of a hybrid model's objective.
  public var densityWeight: Double? = nil
  /// Test accuracy (a fraction) of a classifying model, and its binomial standard error.
  public var testAccuracy: Double? = nil
  public var testAccuracyStandardError: Double? = nil
  /// The mean test cross-entropy −log p(y|x) of a classifying model, nats.
  public var testCrossEntropy: Double? = nil

  /// Reads `eval.json` from a run directory, nil when absent.
  public static func read(directory: String) throws -> RunEvaluation? {
    let path = directory + "/eval.json"
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    do { return try JSONDecoder().decode(RunEvaluation.self, from: data) } catch {
      throw HarnessError.io(path: path, reason: "unreadable evaluation (\(DecodingFailure.describe(error)))")
    }
  }
}
