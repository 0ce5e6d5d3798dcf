import FlowCore

/// The residual branch family of an image model.
public enum ImageBranch: Sendable, Equatable {
  /// Residual Flow conv branches with hidden widths `hidden` ([512, 512]: kernels 3-1-3 with 512
  /// channels); FC branches D-`fullyConnectedHidden`-D (D-128-128-D).
  case residualFlow(hidden: [Int], fullyConnectedHidden: [Int] = MultiscaleDefaults.fullyConnectedHidden)
  /// i-DenseNet conv branches (`depth` dense layers of `growth` channels, then 1×1); FC branches
  /// D → 64, three dense layers of 32, → D.
  case denseNet(depth: Int, growth: Int, concatenation: Concatenation)
}
