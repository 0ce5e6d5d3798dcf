import FlowCore
import Flows

/// The live objects a ``TrainingState`` is captured from and restored into: a model's parameters,
/// Lipschitz layers and ActNorm layers, and the optimizer and average training them (none when
/// only the weights are loaded). Every part is matched by name, so a model whose layers are
/// listed in another order still gets each layer's own state; names are checked to be present
/// and unique when the binding is made.
public struct TrainingStateBinding {
  let parameters: [Parameter]
  let optimizer: Adam?
  let average: ExponentialMovingAverage?
  let layers: [any LipschitzLayer]
  let normalizations: [ActNorm]

  /// Binds `model` and its classification head, if any (their parameters, model first, must be
  /// those `optimizer` and `average` update).
  /// - Throws: ``TrainingStateError`` for an empty or duplicate name.
  public init(model: SequentialFlow, head: ClassificationHead? = nil, optimizer: Adam?, average: ExponentialMovingAverage?) throws(TrainingStateError) {
    parameters = model.parameters + (head?.parameters ?? [])
    self.optimizer = optimizer
    self.average = average
    layers = model.lipschitzLayers
    normalizations = model.flows.compactMap { $0 as? ActNorm } + (head?.normalizations ?? [])
    try Self.checkNames(layers.map(\.name), .lipschitzLayer)
    try Self.checkNames(normalizations.map(\.name), .actNorm)
    try Self.checkNames(parameters.map(\.name), .parameter)
  }

  static func checkNames(_ names: [String], _ part: TrainingStateError.Part) throws(TrainingStateError) {
    var seen: Set<String> = []
    for name in names {
      guard !name.isEmpty else { throw .emptyName(part) }
      guard seen.insert(name).inserted else { throw .duplicateName(part, name) }
    }
  }

  // MARK: Capture

  /// Every parameter with its moments and average.
  public func parameterStates() -> [ParameterState] {
    let averages = average?.averages ?? []
    return parameters.indices.map { index in
      ParameterState(
        name: parameters[index].name, value: parameters[index].value,
        firstMoment: optimizer?.firstMoments[index] ?? Tensor.zeros(parameters[index].value.shape),
        secondMoment: optimizer?.secondMoments[index] ?? Tensor.zeros(parameters[index].value.shape),
        average: averages.indices.contains(index) ? averages[index] : nil)
    }
  }

  /// Every Lipschitz layer's vectors.
  public func powerIterationStates() -> [PowerIterationState] {
    layers.map { PowerIterationState(layer: $0.name, vectors: $0.singularVectors) }
  }

  /// Every ActNorm layer's initialisation.
  public func actNormStates() -> [ActNormState] {
    normalizations.map { ActNormState(layer: $0.name, initialization: $0.isInitialized ? .done : .pending) }
  }

  // MARK: Restore

  /// Puts `state` into the model (values from `source`), and into the optimizer and average when
  /// bound, all or nothing: everything is checked first, and when a layer refuses its vectors
  /// the layers are put back and the error thrown.
  /// - Throws: ``TrainingStateError`` naming the first part that is missing, unknown or does not fit.
  public func restore(_ state: TrainingState, weights source: WeightSource) throws {
    let matched = try Self.match(state.parameters, to: parameters.map(\.name), .parameter, name: \.name)
    let values = try zip(parameters, matched).map { parameter, saved in try Self.checked(saved, fitting: parameter, source: source) }
    let averages = try restoredAverages(matched)
    let vectors = try Self.match(state.powerIterations, to: layers.map(\.name), .lipschitzLayer, name: \.layer)
    let initializations = try Self.match(state.actNorms, to: normalizations.map(\.name), .actNorm, name: \.layer)
    try restoreVectors(vectors)
    for (parameter, value) in zip(parameters, values) { parameter.value = value }
    optimizer?.restore(step: state.adamStep, firstMoments: matched.map(\.firstMoment), secondMoments: matched.map(\.secondMoment))
    if let averages { average?.restore(averages: averages) }
    for (normalization, saved) in zip(normalizations, initializations) { normalization.isInitialized = saved.initialization == .done }
  }

  /// The averages to restore into the bound average: all of them, or none when the average had
  /// not started; nil when no average is bound.
  func restoredAverages(_ matched: [ParameterState]) throws(TrainingStateError) -> [Tensor]? {
    guard average != nil else { return nil }
    let averages = matched.compactMap(\.average)
    if averages.count == matched.count || averages.isEmpty { return averages }
    let first = matched.first { $0.average == nil }
    throw .misfit(.parameter, first?.name ?? "", reason: "it has no average while others have")
  }

  /// Puts every layer's vectors back, or none of them.
  func restoreVectors(_ states: [PowerIterationState]) throws {
    let before = layers.map(\.singularVectors)
    do {
      for (layer, saved) in zip(layers, states) {
        do { try layer.restoreSingularVectors(saved.vectors) } catch { throw TrainingStateError.misfit(.lipschitzLayer, layer.name, reason: "\(error)") }
      }
    } catch {
      for (layer, vectors) in zip(layers, before) { try? layer.restoreSingularVectors(vectors) }
      throw error
    }
  }

  /// The value of `saved` to restore into `parameter`, after checking every shape.
  static func checked(_ saved: ParameterState, fitting parameter: Parameter, source: WeightSource) throws(TrainingStateError) -> Tensor {
    let shape = parameter.value.shape
    for tensor in [saved.value, saved.firstMoment, saved.secondMoment] + (saved.average.map { [$0] } ?? []) where tensor.shape != shape {
      throw .misfit(.parameter, saved.name, reason: "shape \(tensor.shape), expected \(shape)")
    }
    switch source {
    case .trained: return saved.value
    case .averaged:
      guard let average = saved.average else { throw .misfit(.parameter, saved.name, reason: "the checkpoint holds no average") }
      return average
    }
  }

  /// The saved parts in the order of `names`.
  /// - Throws: ``TrainingStateError/duplicateName(_:_:)`` for a name saved twice,
  ///   ``TrainingStateError/missing(_:_:)`` for a name without a saved part and
  ///   ``TrainingStateError/unknown(_:_:)`` for a saved part of no name in `names`.
  static func match<Saved>(
    _ saved: [Saved], to names: [String], _ part: TrainingStateError.Part, name: (Saved) -> String
  ) throws(TrainingStateError) -> [Saved] {
    var byName: [String: Saved] = [:]
    for item in saved {
      guard byName.updateValue(item, forKey: name(item)) == nil else { throw .duplicateName(part, name(item)) }
    }
    let ordered = try names.map { (name: String) throws(TrainingStateError) -> Saved in
      guard let item = byName[name] else { throw .missing(part, name) }
      return item
    }
    let known = Set(names)
    if let extra = saved.map(name).first(where: { !known.contains($0) }) { throw .unknown(part, extra) }
    return ordered
  }
}
