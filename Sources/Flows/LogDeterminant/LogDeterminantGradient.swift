import FlowCore
import Foundation

/// How the gradient of the log-determinant estimate is obtained.
public enum LogDeterminantGradient: Sendable, Equatable {
  /// Backpropagate through every vector-Jacobian product of the series (memory grows with the
  /// number of terms; the toy reference default).
  case backpropagation
  /// The Neumann gradient series (Chen et al. 2019, Eq. 8): the series runs without a graph and
  /// one differentiable vector-Jacobian product carries the gradient (constant memory in the
  /// number of terms; the image reference default). The returned value is still the estimate.
  case neumannSeries
}
