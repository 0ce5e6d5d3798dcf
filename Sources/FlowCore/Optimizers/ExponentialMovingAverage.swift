/// An exponential moving average of parameter values, used for evaluation
/// (residual-flows `ExponentialMovingAverage`, decay 0.999 for images).
///
/// The first ``update()`` copies the current values; later ones compute
/// shadow ← decay·shadow + (1 − decay)·θ.
public final class ExponentialMovingAverage {
  /// The averaged parameters.
  public let parameters: [Parameter]
  /// The weight of the old average.
  public let decay: Float
  /// The averaged values, empty until the first update.
  public private(set) var averages: [Tensor] = []

  /// Tracks `parameters` with the given decay.
  public init(parameters: [Parameter], decay: Float = 0.999) {
    precondition(decay >= 0 && decay < 1, "EMA decay must be in [0, 1), got \(decay)")
    self.parameters = parameters
    self.decay = decay
  }

  /// Folds the current parameter values into the average.
  public func update() {
    if averages.isEmpty {
      averages = parameters.map(\.value)
      return
    }
    for index in parameters.indices {
      var average = averages[index] * decay
      average.addProduct(parameters[index].value, scale: 1 - decay)
      averages[index] = average
    }
  }

  /// Restores saved averages (resuming).
  public func restore(averages: [Tensor]) {
    precondition(averages.isEmpty || averages.map(\.shape) == parameters.map(\.value.shape), "EMA state shapes do not match")
    self.averages = averages
  }

  /// Runs `body` with the averaged values swapped into the parameters, then puts the training
  /// values back.
  public func withAveragedParameters<Result>(_ body: () throws -> Result) rethrows -> Result {
    if averages.isEmpty { return try body() }
    let saved = parameters.map(\.value)
    for (parameter, average) in zip(parameters, averages) { parameter.value = average }
    defer { for (parameter, value) in zip(parameters, saved) { parameter.value = value } }
    return try body()
  }
}
