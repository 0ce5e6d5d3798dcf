/// Whether figures are drawn at the end of a run.
public enum FigureOutput: Sendable {
  /// Density and sample panels, and the η̂ heatmap of learnable-concatenation models.
  case draw
  /// None (tests, CI regression).
  case skip
}
