import FlowCore
import Flows
import Foundation
import Harness
import LipFlowTestSupport
import Testing

@Suite("Training state")
struct TrainingStateTests {
  /// The toy Residual Flow of the small spec, built from `seed`.
  func model(seed: UInt64) throws -> SequentialFlow {
    let spec = try #require(try ExperimentPlan.parse(smallSpec).runs.first { $0.identifier == "resflow-moons" })
    var random = RandomStream(seed: seed)
    return spec.model.build(dimension: 2, random: &random)
  }

  /// The state of `model` with an Adam step and an average taken, and awkward doubles.
  func state(of model: SequentialFlow, actNorms: [ActNorm] = []) throws -> TrainingState {
    let adam = Adam(parameters: model.parameters)
    let average = ExponentialMovingAverage(parameters: model.parameters, decay: 0.9)
    adam.update(gradients: model.parameters.map { $0.value * 0.5 }, learningRate: 0.01)
    average.update()
    let binding = try TrainingStateBinding(model: model, optimizer: adam, average: average)
    var random = RandomStream(seed: 3)
    return TrainingState(
      owner: CheckpointOwner(run: "resflow-moons", specHash: "abc"), iteration: 7, parameters: binding.parameterStates(), adamStep: adam.step,
      streams: .init(data: random.split(), estimator: random.split()), powerIterations: binding.powerIterationStates(),
      actNorms: binding.actNormStates(), lossWindow: .init(sum: 0.1 + 0.2, count: 5), elapsedSeconds: 1.0 / 3 + .ulpOfOne, row: .pending,
      metricRows: 4)
  }

  @Test("A training state written to a checkpoint file reads back equal, every double bit for bit")
  func roundTripThroughAFile() throws {
    let written = try state(of: try model(seed: 1))
    let directory = temporaryDirectory("training-state")
    try CheckpointStore(directory: directory).save(written)
    let read = try #require(CheckpointStore(directory: directory).loadNewest { Issue.record("\($0)") })
    #expect(read == written)
    #expect(read.elapsedSeconds.bitPattern == written.elapsedSeconds.bitPattern)
    #expect(read.lossWindow.sum.bitPattern == (0.1 + 0.2).bitPattern)
    #expect(read.parameters.allSatisfy { $0.average != nil } && read.powerIterations.count == 2 * 3)
  }

  @Test("Power-iteration vectors go back to the layer of the same name, in whatever order the model lists its layers")
  func powerVectorsRestoreByLayerName() throws {
    let source = try model(seed: 1)
    var saved = try state(of: source)
    saved.powerIterations.reverse()
    let target = try model(seed: 2)
    let reordered = SequentialFlow(target.flows.reversed())
    try TrainingStateBinding(model: reordered, optimizer: nil, average: nil).restore(saved, weights: .trained)
    let expected = Dictionary(uniqueKeysWithValues: source.lipschitzLayers.map { ($0.name, $0.singularVectors) })
    #expect(reordered.lipschitzLayers.map(\.name) != source.lipschitzLayers.map(\.name))
    for layer in reordered.lipschitzLayers { #expect(layer.singularVectors == expected[layer.name], "\(layer.name)") }
  }

  @Test("A state with vectors of a layer the model does not have is refused, and nothing is restored")
  func unknownLayersAreRefused() throws {
    var saved = try state(of: try model(seed: 1))
    saved.powerIterations.append(PowerIterationState(layer: "block9.linear1", vectors: saved.powerIterations[0].vectors))
    let target = try model(seed: 2)
    let before = (target.parameters.map(\.value), target.lipschitzLayers.map(\.singularVectors))
    #expect(throws: TrainingStateError.unknown(.lipschitzLayer, "block9.linear1")) {
      try TrainingStateBinding(model: target, optimizer: nil, average: nil).restore(saved, weights: .trained)
    }
    #expect(target.parameters.map(\.value) == before.0 && target.lipschitzLayers.map(\.singularVectors) == before.1)
    #expect("\(TrainingStateError.unknown(.lipschitzLayer, "block9.linear1"))" == "Lipschitz layer block9.linear1 is not in this model")
  }

  @Test("Two Lipschitz layers of one name are refused when the model is bound, before any state is captured")
  func duplicateLayerNamesAreRefused() throws {
    let model = try model(seed: 1)
    let doubled = SequentialFlow(model.flows + model.flows)
    #expect(throws: TrainingStateError.duplicateName(.lipschitzLayer, "block0.linear0")) {
      try TrainingStateBinding(model: doubled, optimizer: nil, average: nil)
    }
  }

  @Test("Each ActNorm layer's initialisation is restored to the layer of its name")
  func actNormInitializationIsPerLayer() throws {
    let (first, second) = (ActNorm(name: "first", featureShape: [2]), ActNorm(name: "second", featureShape: [2]))
    first.initialize(from: Tensor(shape: [2, 2], scalars: [1, 2, 3, 5]))
    let saved = try state(of: SequentialFlow([first, second]))
    #expect(saved.actNorms == [ActNormState(layer: "first", initialization: .done), ActNormState(layer: "second", initialization: .pending)])
    let (restoredFirst, restoredSecond) = (ActNorm(name: "first", featureShape: [2]), ActNorm(name: "second", featureShape: [2]))
    restoredSecond.isInitialized = true
    try TrainingStateBinding(model: SequentialFlow([restoredSecond, restoredFirst]), optimizer: nil, average: nil).restore(saved, weights: .trained)
    #expect(restoredFirst.isInitialized && !restoredSecond.isInitialized)
    #expect(restoredFirst.shift.value == first.shift.value)
  }
}
