/// What the models of an image column are trained for (spec key `datasets.<name>.task`;
/// residual-flows `train_img.py --task`).
public enum ImageTask: String, CaseIterable, Sendable {
  /// Density estimation: minimise bits/dim (the default; no head).
  case density
  /// Classification: a ``Flows/ClassificationHead`` on the flow's features, trained with
  /// cross-entropy alone; no log-determinant is computed.
  case classification
  /// Both: maximise E[λ·log p(x) + log p(y|x)] (Chen et al. 2019, as the Residual Flows review states it; Nalisnick et al. 2019).
  case hybrid

  /// Whether the model has a classification head (and runs report test accuracy).
  public var classifies: Bool { self != .density }

  /// Whether runs estimate log p(x) (and report test bits/dim).
  public var estimatesDensity: Bool { self != .classification }
}
