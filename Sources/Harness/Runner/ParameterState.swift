import FlowCore

/// One trainable parameter in a ``TrainingState``: its value, its Adam moments and, when the run
/// keeps one, its exponential moving average, all under the parameter's name.
public struct ParameterState: Equatable, Sendable {
  /// ``FlowCore/Parameter/name`` (`block1.linear2.weight`).
  public var name: String
  /// The current value.
  public var value: Tensor
  /// Adam's first and second moments, shaped as the value.
  public var firstMoment: Tensor
  public var secondMoment: Tensor
  /// The averaged value; nil when the run keeps no average or it has not been updated yet.
  public var average: Tensor?

  /// Creates the state of one parameter.
  public init(name: String, value: Tensor, firstMoment: Tensor, secondMoment: Tensor, average: Tensor?) {
    self.name = name
    self.value = value
    self.firstMoment = firstMoment
    self.secondMoment = secondMoment
    self.average = average
  }
}
