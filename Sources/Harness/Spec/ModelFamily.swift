/// Which of the three model families a definition builds (they differ only in the residual
/// branch g and its defaults).
public enum ModelFamily: String, CaseIterable, Sendable {
  /// i-ResNet (Behrmann et al. 2019): perceptron branch, ELU by default, truncated power series.
  case iresnet
  /// Residual Flow (Chen et al. 2019): perceptron branch with LipSwish, last layer near zero.
  case resflow
  /// Invertible DenseNet (Perugachi-Diaz et al. 2021): dense branch of `depth` layers of `growth`.
  case idensenet
}
