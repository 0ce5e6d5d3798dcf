import FlowCore

/// The defaults of the multi-scale image model, in one place: the paper's reduced architecture
/// (3 scales × 4 blocks, then 4 fully connected blocks of D-128-128-D), LipSwish, Lipschitz and
/// concatenation coefficients 0.98, and a Poisson(2) Russian roulette with 20 exact terms for
/// evaluation. ``MultiscaleModel/build(height:width:channels:branch:scales:blocksPerScale:fullyConnectedBlocks:activation:coefficient:concatenationCoefficient:logitAlpha:trainingEstimator:evaluationEstimator:gradient:memory:norms:random:)``
/// takes its default arguments from here, and so does the harness's `ModelSpec` for keys a spec
/// leaves out.
public enum MultiscaleDefaults {
  /// Scales (a squeeze between consecutive ones).
  public static var scales: Int { 3 }
  /// Convolutional residual blocks per scale.
  public static var blocksPerScale: Int { 4 }
  /// Fully connected blocks at the end.
  public static var fullyConnectedBlocks: Int { 4 }
  /// Hidden widths of the fully connected perceptron branches.
  public static var fullyConnectedHidden: [Int] { [128, 128] }
  /// The activation.
  public static var activation: ActivationKind { .lipSwish }
  /// The Lipschitz coefficient of every linear layer.
  public static var coefficient: Float { 0.98 }
  /// The concatenation coefficient of the dense layers.
  public static var concatenationCoefficient: Float { 0.98 }
  /// The evaluation's log-determinant estimator: Poisson(2) Russian roulette with 20 exact terms.
  public static var evaluationEstimator: LogDeterminantEstimator { .russianRoulette(.poisson(2), exactTerms: 20, samples: 1) }
}
