/// An i-DenseNet growth chosen to match another model's parameter count.
public struct BudgetMatch: Sendable, Equatable, Codable {
  /// The model whose budget was matched.
  public let model: String
  /// Its parameter count.
  public let targetParameters: Int
  /// The count at the chosen growth.
  public let parameters: Int
  /// The chosen growth.
  public let growth: Int
}
