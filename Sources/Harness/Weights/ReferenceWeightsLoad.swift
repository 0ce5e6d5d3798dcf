import FlowCore
import Flows
import Foundation

/// The changes a reference `state_dict` makes to a model (``ReferenceWeights/load(_:path:into:geometry:)``),
/// all checked and collected before any is made.
struct ReferenceWeightsLoad {
  /// The file's path, for errors.
  let path: String
  /// Parameter values and ActNorm flags to set.
  var assignments: [() throws -> Void] = []
  /// The u (0) and v (1) read for each Lipschitz layer.
  var vectors: [ObjectIdentifier: (layer: any LipschitzLayer, values: [Tensor?])] = [:]
  /// K₁ and K₂ read for each learnable concatenation (1 where the file holds none).
  var concatenations: [ObjectIdentifier: (parameter: Parameter, values: [Float])] = [:]

  init(path: String) { self.path = path }

  func refuse(_ reason: String) -> HarnessError { .invalidWeights(path: path, reason: reason + "; nothing was loaded") }

  /// Checks `file` against the architecture's `entries` (in forward order, then for tensors the
  /// architecture lacks) and collects the changes it makes.
  mutating func stage(_ file: SafeTensorsFile, entries: [ReferenceEntry]) throws {
    var found: [String: Tensor] = [:]
    for (name, tensor) in file.tensors { found[name] = tensor }
    for entry in entries {
      guard let values = try checkedValues(of: entry, in: found) else { continue }
      try stage(entry, values: values)
    }
    let known = Set(entries.map(\.name))
    if let unexpected = file.tensors.first(where: { !known.contains($0.name) }) {
      throw refuse("tensor '\(unexpected.name)' \(unexpected.tensor.shape) has no place in this spec's architecture")
    }
  }

  /// The values `found` holds for `entry`, checked for presence, shape and finiteness; nil for an
  /// entry that is ignored (shape-checked only, and not needed).
  func checkedValues(of entry: ReferenceEntry, in found: [String: Tensor]) throws -> [Float]? {
    guard let tensor = found[entry.name] else {
      if case .ignored = entry.target { return nil }
      throw refuse("tensor '\(entry.name)' \(entry.shape) is missing (this spec's architecture needs it)")
    }
    guard tensor.shape == entry.shape else {
      throw refuse("tensor '\(entry.name)' has shape \(tensor.shape), this spec's architecture needs \(entry.shape)")
    }
    let values = tensor.scalars
    if case .ignored = entry.target { return nil }
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      throw refuse("tensor '\(entry.name)' holds \(values[bad]) at index \(bad)")
    }
    return values
  }

  /// Collects the change `values` (in the reference's layout) make to `entry`'s target.
  mutating func stage(_ entry: ReferenceEntry, values: [Float]) throws {
    func ours(_ permutation: [Int]?) -> [Float] { permutation.map { $0.map { values[$0] } } ?? values }
    switch entry.target {
    case .parameter(let parameter, let permutation):
      let value = Tensor(shape: parameter.value.shape, scalars: ours(permutation))
      assignments.append { parameter.value = value }
    case .singularVector(let layer, let index, let shape, let permutation):
      stageVector(Tensor(shape: shape, scalars: ours(permutation)), index: index, of: layer)
    case .channelSingularVector(let layer, let index, let height, let width, let permutation):
      stageVector(ReferenceWeightsLoad.operatorVector(channel: ours(permutation), height: height, width: width), index: index, of: layer)
    case .concatenation(let weights, let component):
      try stageConcatenation(values[0], of: weights, component: component, name: entry.name)
    case .initializedFlag(let normalization):
      let flag = values[0] != 0
      assignments.append { normalization.isInitialized = flag }
    case .ignored:
      break
    }
  }

  /// The operator vector `[1, H, W, C]` of a 1×1 convolution's channel vector. The 1×1 operator is
  /// I_HW ⊗ W: e₀ ⊗ c (the channel vector at the first position, zero elsewhere) is a singular
  /// vector of it whenever c is one of W, with the same σ.
  static func operatorVector(channel: [Float], height: Int, width: Int) -> Tensor {
    var operatorVector = [Float](repeating: 0, count: height * width * channel.count)
    operatorVector.replaceSubrange(0..<channel.count, with: channel)
    return Tensor(shape: [1, height, width, channel.count], scalars: operatorVector)
  }

  /// Collects u (`index` 0) or v (1) of `layer`.
  mutating func stageVector(_ vector: Tensor, index: Int, of layer: any LipschitzLayer) {
    var pair = vectors[ObjectIdentifier(layer)] ?? (layer, [nil, nil])
    pair.values[index] = vector
    vectors[ObjectIdentifier(layer)] = pair
  }

  /// Collects K₁ (`component` 0) or K₂ (1) of a concatenation; a fixed one (`weights` nil) must be 1.
  mutating func stageConcatenation(_ value: Float, of weights: Parameter?, component: Int, name: String) throws {
    guard let weights else {
      guard value == 1 else {
        throw refuse("tensor '\(name)' is \(value), but this spec's concatenation is fixed (K = 1); use learnable: true")
      }
      return
    }
    var pair = concatenations[ObjectIdentifier(weights)] ?? (weights, [1, 1])
    pair.values[component] = value
    concatenations[ObjectIdentifier(weights)] = pair
  }

  /// Makes the collected changes; when a layer refuses its singular vectors, the layers' previous
  /// vectors are put back.
  func apply() throws {
    var restorations: [(any LipschitzLayer, [Tensor])] = []
    for (_, pair) in vectors {
      guard let u = pair.values[0], let v = pair.values[1] else { continue }
      restorations.append((pair.layer, [u, v]))
    }
    let previous = restorations.map { ($0.0, $0.0.singularVectors) }
    for assignment in assignments { try assignment() }
    for (_, pair) in concatenations { pair.parameter.value = Tensor(shape: [2], scalars: pair.values) }
    do {
      for (layer, pair) in restorations { try layer.restoreSingularVectors(pair) }
    } catch {
      for (layer, pair) in previous { try? layer.restoreSingularVectors(pair) }
      throw refuse("\(error)")
    }
  }
}
