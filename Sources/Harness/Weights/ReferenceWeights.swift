import FlowCore
import Flows
import Foundation

/// Import and export of a model's weights in the layout of the public PyTorch implementations
/// (the reference `state_dict`: parameters and buffers, names as ``ReferenceLayout`` describes),
/// as safetensors files.
public enum ReferenceWeights {
  /// The reference `state_dict` of `model` (`geometry` for image models, nil for toy ones): every
  /// parameter and buffer, converted to the reference's layout, as F32. Convolutions that have not
  /// seen an input yet get their power-iteration vectors first (as at their first input).
  /// - Throws: ``HarnessError/invalidWeights(path:reason:)`` for a layer without a reference layout.
  public static func export(_ model: SequentialFlow, geometry: ImageGeometry?, metadata: [String: String] = [:]) throws -> SafeTensorsFile {
    for entry in try ReferenceLayout.entries(of: model, geometry: geometry) {
      switch entry.target {
      case .singularVector(let layer as LipschitzConvolution, _, let shape, _) where layer.singularVectors.isEmpty:
        layer.prepare(height: shape[1], width: shape[2])
      case .channelSingularVector(let layer, _, let height, let width, _) where layer.singularVectors.isEmpty:
        layer.prepare(height: height, width: width)
      default:
        break
      }
    }
    let entries = try ReferenceLayout.entries(of: model, geometry: geometry)
    let tensors = entries.map { entry -> (name: String, tensor: Tensor) in
      (entry.name, Tensor(shape: entry.shape, scalars: referenceScalars(of: entry)))
    }
    var notes = metadata
    notes["format"] = notes["format"] ?? "pt"
    notes["parameters"] = entries.filter {
      if case .parameter = $0.target { return true }
      if case .concatenation(let weights?, _) = $0.target { _ = weights; return true }
      return false
    }.map(\.name).joined(separator: ",")
    return SafeTensorsFile(tensors: tensors, metadata: notes)
  }

  /// The entry's value in the reference layout, row-major.
  static func referenceScalars(of entry: ReferenceEntry) -> [Float] {
    func permuted(_ ours: [Float], _ permutation: [Int]?) -> [Float] {
      guard let permutation else { return ours }
      var result = [Float](repeating: 0, count: ours.count)
      for (index, target) in permutation.enumerated() { result[target] = ours[index] }
      return result
    }
    switch entry.target {
    case .parameter(let parameter, let permutation):
      return permuted(parameter.value.scalars, permutation)
    case .singularVector(let layer, let index, _, let permutation):
      return permuted(layer.singularVectors[index].scalars, permutation)
    case .channelSingularVector(let layer, let index, _, _, let permutation):
      let vectors = ReferenceLayout.channelVectors(of: layer)
      return permuted(index == 0 ? vectors.u : vectors.v, permutation)
    case .concatenation(let weights, let component):
      return [weights?.value.scalars[component] ?? 1]
    case .initializedFlag(let normalization):
      return [normalization.isInitialized ? 1 : 0]
    case .ignored(let value):
      return value.scalars
    }
  }

  /// Loads a reference `state_dict` into `model`, all or nothing: every tensor the architecture
  /// needs must be present with the reference's shape and finite values, and the file may hold no
  /// tensor the architecture lacks; the first that does not fit (in forward order) is named with
  /// both shapes and nothing is changed. The power-iteration vectors are taken as stored (the
  /// reference never iterates inside forward); ActNorm's `initialized` flag is kept, so that
  /// initialised layers are not initialised again from data.
  /// - Throws: ``HarnessError/invalidWeights(path:reason:)`` naming `path` and the tensor.
  public static func load(_ file: SafeTensorsFile, path: String, into model: SequentialFlow, geometry: ImageGeometry?) throws {
    let entries = try ReferenceLayout.entries(of: model, geometry: geometry)
    var load = ReferenceWeightsLoad(path: path)
    try load.stage(file, entries: entries)
    try load.apply()
  }

  /// Reads `path` and loads it into `model` (see ``load(_:path:into:geometry:)``).
  public static func load(path: String, into model: SequentialFlow, geometry: ImageGeometry?) throws {
    try load(try SafeTensorsFile.read(path: path), path: path, into: model, geometry: geometry)
  }
}

extension ReferenceWeights {
  /// Every spectrally normalised layer of `model` with its reference prefix
  /// (`transforms.0.chain.2.nnet.0`), in forward order (the order of the fixtures' `sigma.csv`).
  public static func normalizedLayers(of model: SequentialFlow, geometry: ImageGeometry?) throws -> [(prefix: String, layer: any LipschitzLayer)] {
    try ReferenceLayout.entries(of: model, geometry: geometry).compactMap { entry in
      guard entry.name.hasSuffix(".u") else { return nil }
      switch entry.target {
      case .singularVector(let layer, _, _, _): return (String(entry.name.dropLast(2)), layer)
      case .channelSingularVector(let layer, _, _, _, _): return (String(entry.name.dropLast(2)), layer)
      default: return nil
      }
    }
  }

  /// An NCHW tensor `[N, C, H, W]` (the reference's image layout) as NHWC `[N, H, W, C]`.
  public static func channelsLast(_ tensor: Tensor) -> Tensor {
    precondition(tensor.rank == 4, "channelsLast needs [N, C, H, W], got \(tensor.shape)")
    let (batch, channels, height, width) = (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
    let source = tensor.scalars
    var result = [Float](repeating: 0, count: source.count)
    for n in 0..<batch { for c in 0..<channels { for h in 0..<height { for w in 0..<width {
      result[((n * height + h) * width + w) * channels + c] = source[((n * channels + c) * height + h) * width + w]
    } } } }
    return Tensor(shape: [batch, height, width, channels], scalars: result)
  }

  /// An NHWC tensor `[N, H, W, C]` as the reference's NCHW `[N, C, H, W]`.
  public static func channelsFirst(_ tensor: Tensor) -> Tensor {
    precondition(tensor.rank == 4, "channelsFirst needs [N, H, W, C], got \(tensor.shape)")
    let (batch, height, width, channels) = (tensor.shape[0], tensor.shape[1], tensor.shape[2], tensor.shape[3])
    let source = tensor.scalars
    var result = [Float](repeating: 0, count: source.count)
    for n in 0..<batch { for c in 0..<channels { for h in 0..<height { for w in 0..<width {
      result[((n * channels + c) * height + h) * width + w] = source[((n * height + h) * width + w) * channels + c]
    } } } }
    return Tensor(shape: [batch, channels, height, width], scalars: result)
  }
}
