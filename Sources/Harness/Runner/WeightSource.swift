/// Which of a checkpoint's weights are restored into a model.
public enum WeightSource: Sendable {
  /// The trained values.
  case trained
  /// The exponential moving averages.
  case averaged
}
