/// How the log-determinant is estimated during training (spec key `model.estimator`).
public enum EstimatorKind: String, CaseIterable, Sendable {
  /// The exact log-determinant (2×2 formula for 2-D data, full Jacobian otherwise).
  case exact
  /// The truncated power series with `terms` terms (i-ResNet, biased).
  case powerSeries = "power_series"
  /// The unbiased Russian-roulette estimator (Residual Flows).
  case russianRoulette = "russian_roulette"
}
