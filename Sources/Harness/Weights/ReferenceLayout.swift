import FlowCore
import Flows
import Foundation

/// The names and layouts of the public PyTorch implementations (rtqichen/residual-flows,
/// yperugachidiaz/invertible_densenets) for the models this package builds.
///
/// Toy models (`train_toy.py`): block b is `chain.{b}`; its branch `chain.{b}.nnet.{j}` holds, for
/// a perceptron (i-ResNet, Residual Flow), an activation at even j and a linear layer at odd j; for
/// a dense branch, dense layer j at `nnet.{j}` (`network.0` linear, `network.1` activation,
/// `K1_unnormalized`, `K2_unnormalized`) and the final linear layer at `nnet.{depth}`.
///
/// Image models (`ResidualFlow` of `resflow.py`): scale s is `transforms.{s}`, its layers
/// `transforms.{s}.chain.{i}` in forward order (logit transform, ActNorm, [block, ActNorm] …,
/// squeeze; the last scale ends with [FC block, ActNorm over all features] × 4). Conv branches
/// `nnet.{j}` (activations and convolutions in order, no leading activation in the model's first
/// block), FC branches `nnet.nnet.{j}`.
///
/// Layouts: images NCHW (ours NHWC), conv kernels `[O, C, k, k]` (ours `[O, k, k, C]`), linear
/// weights `[out, in]` (the same), flattened images in NCHW order. The reference's squeeze puts
/// input pixel (c, 2h+i, 2w+j) in channel 4c + 2i + j, ours in channel (2i+j)·C + c: every tensor
/// after a squeeze is permuted accordingly, so that the same weights give the same function.
enum ReferenceLayout {
  /// The entries of `model`, in forward order; `geometry` for image models, nil for toy ones.
  /// - Throws: ``HarnessError/invalidWeights(path:reason:)`` (path `reference layout`) for a part
  ///   of the model the reference has no layout for (CLipSwish).
  static func entries(of model: SequentialFlow, geometry: ImageGeometry?) throws -> [ReferenceEntry] {
    guard let geometry else { return try toyEntries(of: model) }
    var builder = Builder()
    var (height, width) = (geometry.height, geometry.width)
    var channelOrder = Array(0..<geometry.channels)
    var (scale, position) = (0, 0)
    for flow in model.flows {
      let prefix = "transforms.\(scale).chain.\(position)"
      position += 1
      switch flow {
      case is LogitTransform:
        continue
      case is SqueezeFlow:
        channelOrder = Builder.squeezed(channelOrder)
        (height, width) = (height / 2, width / 2)
        (scale, position) = (scale + 1, 0)
      case let normalization as ActNorm:
        if normalization.shift.value.rank == 1 {
          builder.actNorm(normalization, prefix: prefix, permutation: channelOrder)
        } else {
          builder.actNorm(normalization, prefix: prefix + ".fc_module", permutation: Builder.flattening(height: height, width: width, channelOrder: channelOrder))
        }
      case let block as InvertibleResidualBlock:
        try builder.block(block, prefix: prefix, height: height, width: width, channelOrder: channelOrder, flattened: block.branch is FlattenedBranch)
      default:
        throw Builder.unsupported("layer \(flow.name) (\(type(of: flow)))")
      }
    }
    return builder.entries
  }

  /// The entries of a toy model, whose layers are all residual blocks.
  private static func toyEntries(of model: SequentialFlow) throws -> [ReferenceEntry] {
    var builder = Builder()
    for (index, flow) in model.flows.enumerated() {
      guard let block = flow as? InvertibleResidualBlock else { throw Builder.unsupported("toy layer \(flow.name) (\(type(of: flow)))") }
      try builder.block(block, prefix: "chain.\(index)", height: 1, width: 1, channelOrder: [], flattened: false)
    }
    return builder.entries
  }

  /// The channel vectors (u `[O]`, v `[C]`, our channel order) of a 1×1 convolution, whose
  /// operator vectors we keep at every position (`[1, H, W, ·]`): a converged operator vector is
  /// (spatial vector) ⊗ (channel vector), so the row at the position where v is largest, normalised,
  /// is the channel vector; u is taken at the same position so that the pair stays consistent (on a
  /// converged pair u = normalize(W v) position by position). A row already of unit norm (within
  /// 1e-6, as after an import) is kept as it is, so that export → import → export is exact.
  static func channelVectors(of layer: LipschitzConvolution) -> (u: [Float], v: [Float]) {
    let vectors = layer.singularVectors
    guard vectors.count == 2 else { return ([Float](repeating: 0, count: layer.weight.value.shape[0]), [Float](repeating: 0, count: layer.weight.value.shape[3])) }
    let (outputs, inputs) = (vectors[0].shape[3], vectors[1].shape[3])
    let positions = vectors[1].count / inputs
    let (left, right) = (vectors[0].scalars, vectors[1].scalars)
    func norm(_ values: [Float], _ row: Int, _ width: Int) -> Double {
      (0..<width).reduce(0.0) { $0 + Double(values[row * width + $1]) * Double(values[row * width + $1]) }.squareRoot()
    }
    let position = (0..<positions).max { norm(right, $0, inputs) < norm(right, $1, inputs) } ?? 0
    func unit(_ values: [Float], _ width: Int) -> [Float] {
      let row = Array(values[(position * width)..<((position + 1) * width)])
      let length = norm(values, position, width)
      return length == 0 || abs(length - 1) < 1e-6 ? row : row.map { Float(Double($0) / length) }
    }
    return (unit(left, outputs), unit(right, inputs))
  }

  /// Collects entries while walking a model.
  struct Builder {
    var entries: [ReferenceEntry] = []

    static func unsupported(_ what: String) -> HarnessError {
      .invalidWeights(path: "reference layout", reason: "\(what) has no counterpart in the reference implementations")
    }

    /// Refuses layers measured in other norms than the 2-norm (`vnorms`, `learn_p`): the reference
    /// keeps no vectors for its closed-form p = 1 and q = ∞ layers, per-pixel ones for 1×1
    /// convolutions, and its orders outside the state dictionary.
    static func requireSpectral(_ layers: [any LipschitzLayer], prefix: String) throws {
      guard layers.allSatisfy(\.norm.isSpectral) else { throw unsupported("\(prefix): layers with other norms than the 2-norm (vnorms, learn_p)") }
    }

    /// ours (h·W + w)·C + c ↔ reference order[c]·H·W + h·W + w.
    static func flattening(height: Int, width: Int, channelOrder: [Int]) -> [Int] {
      let channels = channelOrder.count
      var result = [Int](repeating: 0, count: height * width * channels)
      for h in 0..<height { for w in 0..<width { for c in 0..<channels {
        result[(h * width + w) * channels + c] = (channelOrder[c] * height + h) * width + w
      } } }
      return result
    }

    /// The channel order after a squeeze of channels in `channelOrder`: our channel (2i+j)·C + c
    /// is the reference's 4·order[c] + 2i + j.
    static func squeezed(_ channelOrder: [Int]) -> [Int] {
      let channels = channelOrder.count
      var order = [Int](repeating: 0, count: 4 * channels)
      for i in 0..<2 { for j in 0..<2 { for c in 0..<channels { order[(2 * i + j) * channels + c] = 4 * channelOrder[c] + 2 * i + j } } }
      return order
    }

    /// Composes a feature permutation with a reordering of the block's own channels: the first
    /// `order.count` features follow `order`, the rest keep their place.
    static func leading(_ order: [Int], total: Int) -> [Int] {
      order + Array(order.count..<total)
    }

    static func isIdentity(_ permutation: [Int]) -> Bool { permutation.enumerated().allSatisfy { $0 == $1 } }

    mutating func add(_ name: String, _ shape: [Int], _ target: ReferenceTarget) {
      entries.append(ReferenceEntry(name: name, shape: shape, target: target))
    }

    mutating func actNorm(_ normalization: ActNorm, prefix: String, permutation: [Int]) {
      let count = normalization.shift.value.count
      let order: [Int]? = Builder.isIdentity(permutation) ? nil : permutation
      add(prefix + ".weight", [count], .parameter(normalization.logScale, permutation: order))
      add(prefix + ".bias", [count], .parameter(normalization.shift, permutation: order))
      add(prefix + ".initialized", [], .initializedFlag(normalization))
    }

    mutating func block(_ block: InvertibleResidualBlock, prefix: String, height: Int, width: Int, channelOrder: [Int], flattened: Bool) throws {
      estimatorBuffers(block.trainingEstimator, prefix: prefix)
      let branch = prefix + ".nnet"
      switch block.branch {
      case let perceptron as LipschitzPerceptron:
        try self.perceptron(perceptron, prefix: branch, inputOrder: nil, outputOrder: nil)
      case let dense as DenseBranch:
        try self.dense(dense, prefix: branch, inputOrder: nil, outputOrder: nil)
      case let wrapper as FlattenedBranch:
        let order = Builder.flattening(height: height, width: width, channelOrder: channelOrder)
        try fullyConnected(wrapper.branch, of: block, prefix: branch + ".nnet", permutation: Builder.isIdentity(order) ? nil : order)
      case let convolutional as ConvolutionalBranch:
        try self.convolutional(convolutional, prefix: branch, height: height, width: width, channelOrder: channelOrder)
      case let dense as DenseConvolutionalBranch:
        try self.denseConvolutional(dense, prefix: branch, height: height, width: width, channelOrder: channelOrder)
      default:
        throw Builder.unsupported("the branch of \(block.name) (\(type(of: block.branch)))")
      }
    }

    /// The block's estimator buffers: the Russian-roulette distribution's parameters (the
    /// reference's defaults when there is none) and the logging buffers.
    mutating func estimatorBuffers(_ estimator: LogDeterminantEstimator, prefix: String) {
      var (probability, rate) = (0.5, 2.0)
      if case .russianRoulette(let distribution, _, _) = estimator {
        switch distribution {
        case .geometric(let p): probability = p
        case .poisson(let lambda): rate = lambda
        }
      }
      add(prefix + ".geom_p", [], .ignored(Tensor(Float(log(probability / (1 - probability))))))
      add(prefix + ".lamb", [], .ignored(Tensor(Float(rate))))
      for buffer in ["last_n_samples", "last_firmom", "last_secmom"] { add(prefix + "." + buffer, [1], .ignored(Tensor.zeros([1]))) }
    }

    /// The fully connected `branch` of `block` over flattened images, its features permuted by
    /// `permutation` (nil: the same order).
    mutating func fullyConnected(_ branch: any ResidualBranch, of block: InvertibleResidualBlock, prefix: String, permutation: [Int]?) throws {
      switch branch {
      case let perceptron as LipschitzPerceptron:
        try self.perceptron(perceptron, prefix: prefix, inputOrder: permutation, outputOrder: permutation)
      case let dense as DenseBranch:
        try self.dense(dense, prefix: prefix, inputOrder: permutation, outputOrder: permutation)
      default:
        throw Builder.unsupported("the fully connected branch of \(block.name)")
      }
    }

    mutating func activation(_ activation: Activation, prefix: String) throws {
      switch activation.kind {
      case .lipSwish:
        if let slope = activation.rawSlope { add(prefix + ".beta", [1], .parameter(slope, permutation: nil)) }
      case .elu:
        break
      case .concatenatedLipSwish:
        throw Builder.unsupported("CLipSwish (\(prefix))")
      }
    }

    /// A linear layer; `inputOrder`/`outputOrder` permute its input/output features.
    mutating func linear(_ layer: LipschitzLinear, prefix: String, inputOrder: [Int]?, outputOrder: [Int]?) {
      let (outputs, inputs) = (layer.weight.value.shape[0], layer.weight.value.shape[1])
      var weightOrder: [Int]? = nil
      if inputOrder != nil || outputOrder != nil {
        var order = [Int](repeating: 0, count: outputs * inputs)
        for o in 0..<outputs { for i in 0..<inputs { order[o * inputs + i] = (outputOrder?[o] ?? o) * inputs + (inputOrder?[i] ?? i) } }
        weightOrder = order
      }
      add(prefix + ".weight", [outputs, inputs], .parameter(layer.weight, permutation: weightOrder))
      add(prefix + ".bias", [outputs], .parameter(layer.bias, permutation: outputOrder))
      add(prefix + ".u", [outputs], .singularVector(layer, index: 0, ourShape: [outputs], permutation: outputOrder))
      add(prefix + ".v", [inputs], .singularVector(layer, index: 1, ourShape: [inputs], permutation: inputOrder))
      add(prefix + ".scale", [], .ignored(Tensor(layer.spectralNormEstimate)))
    }

    /// A convolution at `height × width`; `inputOrder`/`outputOrder` map our channels to the reference's.
    mutating func convolution(_ layer: LipschitzConvolution, prefix: String, height: Int, width: Int, inputOrder: [Int], outputOrder: [Int]) {
      let shape = layer.weight.value.shape
      let (outputs, kernel, inputs) = (shape[0], shape[1], shape[3])
      var weightOrder = [Int](repeating: 0, count: layer.weight.value.count)
      for o in 0..<outputs { for y in 0..<kernel { for x in 0..<kernel { for c in 0..<inputs {
        weightOrder[((o * kernel + y) * kernel + x) * inputs + c] = ((outputOrder[o] * inputs + inputOrder[c]) * kernel + y) * kernel + x
      } } } }
      add(prefix + ".weight", [outputs, inputs, kernel, kernel], .parameter(layer.weight, permutation: Builder.isIdentity(weightOrder) ? nil : weightOrder))
      add(prefix + ".bias", [outputs], .parameter(layer.bias, permutation: Builder.isIdentity(outputOrder) ? nil : outputOrder))
      if kernel == 1 {
        let vectors = ReferenceLayout.channelVectors(of: layer)
        var sigma = 0.0
        let weight = layer.weight.value.scalars
        for o in 0..<outputs { for c in 0..<inputs { sigma += Double(vectors.u[o]) * Double(weight[o * inputs + c]) * Double(vectors.v[c]) } }
        add(prefix + ".scale", [], .ignored(Tensor(Float(sigma))))
        add(prefix + ".u", [outputs], .channelSingularVector(layer, index: 0, height: height, width: width, permutation: Builder.isIdentity(outputOrder) ? nil : outputOrder))
        add(prefix + ".v", [inputs], .channelSingularVector(layer, index: 1, height: height, width: width, permutation: Builder.isIdentity(inputOrder) ? nil : inputOrder))
      } else {
        let u = Builder.flattening(height: height, width: width, channelOrder: outputOrder)
        let v = Builder.flattening(height: height, width: width, channelOrder: inputOrder)
        add(prefix + ".u", [outputs * height * width], .singularVector(layer, index: 0, ourShape: [1, height, width, outputs], permutation: u))
        add(prefix + ".v", [inputs * height * width], .singularVector(layer, index: 1, ourShape: [1, height, width, inputs], permutation: v))
        add(prefix + ".scale", [], .ignored(Tensor(layer.spectralNormEstimate)))
      }
      add(prefix + ".spatial_dims", [2], .ignored(Tensor(shape: [2], scalars: [Float(height), Float(width)])))
      add(prefix + ".initialized", [], .ignored(Tensor(1)))
    }

    mutating func perceptron(_ branch: LipschitzPerceptron, prefix: String, inputOrder: [Int]?, outputOrder: [Int]?) throws {
      try Builder.requireSpectral(branch.lipschitzLayers, prefix: prefix)
      for (index, (activation, layer)) in zip(branch.activations, branch.layers).enumerated() {
        try self.activation(activation, prefix: "\(prefix).\(2 * index)")
        linear(
          layer, prefix: "\(prefix).\(2 * index + 1)", inputOrder: index == 0 ? inputOrder : nil,
          outputOrder: index == branch.layers.count - 1 ? outputOrder : nil)
      }
    }

    mutating func concatenationWeights(_ weights: Parameter?, prefix: String) {
      add(prefix + ".K1_unnormalized", [1], .concatenation(weights, component: 0))
      add(prefix + ".K2_unnormalized", [1], .concatenation(weights, component: 1))
    }

    mutating func dense(_ branch: DenseBranch, prefix: String, inputOrder: [Int]?, outputOrder: [Int]?) throws {
      var index = 0
      var order = inputOrder
      if let projection = branch.inputProjection {
        linear(projection, prefix: "\(prefix).0", inputOrder: inputOrder, outputOrder: nil)
        (index, order) = (1, nil)
      }
      for layer in branch.layers {
        let width = layer.map.weight.value.shape[1]
        let layerOrder = order.map { Builder.leading($0, total: width) }
        linear(layer.map, prefix: "\(prefix).\(index).network.0", inputOrder: layerOrder, outputOrder: nil)
        try activation(layer.activation, prefix: "\(prefix).\(index).network.1")
        concatenationWeights(layer.concatenationWeights, prefix: "\(prefix).\(index)")
        index += 1
      }
      let width = branch.output.weight.value.shape[1]
      linear(branch.output, prefix: "\(prefix).\(index)", inputOrder: order.map { Builder.leading($0, total: width) }, outputOrder: outputOrder)
    }

    mutating func convolutional(_ branch: ConvolutionalBranch, prefix: String, height: Int, width: Int, channelOrder: [Int]) throws {
      try Builder.requireSpectral(branch.lipschitzLayers, prefix: prefix)
      var index = 0
      for (position, (activation, convolution)) in zip(branch.activations, branch.convolutions).enumerated() {
        if let activation {
          try self.activation(activation, prefix: "\(prefix).\(index)")
          index += 1
        }
        let shape = convolution.weight.value.shape
        let inputOrder = position == 0 ? channelOrder : Array(0..<shape[3])
        let outputOrder = position == branch.convolutions.count - 1 ? channelOrder : Array(0..<shape[0])
        self.convolution(convolution, prefix: "\(prefix).\(index)", height: height, width: width, inputOrder: inputOrder, outputOrder: outputOrder)
        index += 1
      }
    }

    mutating func denseConvolutional(_ branch: DenseConvolutionalBranch, prefix: String, height: Int, width: Int, channelOrder: [Int]) throws {
      for (index, layer) in branch.layers.enumerated() {
        let shape = layer.map.weight.value.shape
        self.convolution(
          layer.map, prefix: "\(prefix).\(index).network.0", height: height, width: width,
          inputOrder: Builder.leading(channelOrder, total: shape[3]), outputOrder: Array(0..<shape[0]))
        try activation(layer.activation, prefix: "\(prefix).\(index).network.1")
        concatenationWeights(layer.concatenationWeights, prefix: "\(prefix).\(index)")
      }
      let shape = branch.output.weight.value.shape
      convolution(
        branch.output, prefix: "\(prefix).\(branch.layers.count)", height: height, width: width,
        inputOrder: Builder.leading(channelOrder, total: shape[3]), outputOrder: channelOrder)
    }
  }
}
