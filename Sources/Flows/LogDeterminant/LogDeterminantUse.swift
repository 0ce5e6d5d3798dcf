/// What a log-determinant estimate of a residual block is for.
enum LogDeterminantUse: Sendable, Equatable {
  /// A value to report (``FlowMode/evaluation``): no graph is kept and a constant is returned.
  case evaluation
  /// A training loss term whose gradient is obtained as the given mode says.
  case training(LogDeterminantGradient)
}
