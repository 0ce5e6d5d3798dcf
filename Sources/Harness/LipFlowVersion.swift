/// The version of LipFlow, the one number README.md, CITATION.cff and `lipflow --version` state
/// (a test checks that they agree).
public enum LipFlowVersion {
  /// Semantic version.
  public static let current = "0.5.0"
}
