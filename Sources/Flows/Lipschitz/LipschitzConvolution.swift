import FlowCore

/// A 2-D convolution (stride 1, 'same' zero padding, channels last) with an induced-norm
/// constraint on the convolution *operator* at the input resolution:
/// `[N, H, W, C] → [N, H, W, O]`, y = x ⋆ Ŵ + b, Ŵ = W / max(1, σ/coefficient).
///
/// σ comes from power iteration with the convolution and its transpose on u `[1, H, W, O]` and
/// v `[1, H, W, C]` (residual-flows `InducedNormConv2d`), not from the reshaped kernel; it
/// estimates the operator's ‖·‖_{p→q} for the layer's ``norm`` (the spectral norm by default;
/// other norms use the Hölder dual maps of ``HolderDual``, on the operator for every kernel size
/// where the reference treats 1×1 kernels as the per-pixel matrix). The resolution is taken from
/// the first input; u and v are created then, with a tolerance-based power iteration (and, for
/// other norms than the spectral norm, the best of 11 random starts, as the reference).
public final class LipschitzConvolution: LipschitzLayer, LipschitzConstrained {
  /// The name given at construction; the parameters are `<name>.weight` and `<name>.bias`.
  public let name: String
  /// W, `[O, k, k, C]`.
  public let weight: Parameter
  /// b, `[O]`.
  public let bias: Parameter
  /// The bound on ‖Ŵ‖ as an operator.
  public let coefficient: Float
  /// The domain and codomain norms.
  public let norm: InducedNorm
  /// k // 2.
  public let padding: Int
  /// Left singular-vector estimate `[1, H, W, O]`, nil before the first input.
  public private(set) var leftVector: Tensor?
  /// Right singular-vector estimate `[1, H, W, C]`, nil before the first input.
  public private(set) var rightVector: Tensor?
  private var random: RandomStream

  /// Creates the layer with PyTorch's default initialisation, U(±1/√(C·k²)).
  public init(
    name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int, coefficient: Float,
    norm: InducedNorm = .spectral, random: inout RandomStream
  ) {
    precondition(kernelSize % 2 == 1, "Kernel size must be odd for 'same' padding, got \(kernelSize)")
    let bound = 1 / Float(inputChannels * kernelSize * kernelSize).squareRoot()
    self.name = name
    weight = Parameter(
      name: name + ".weight",
      value: Tensor.randomUniform(shape: [outputChannels, kernelSize, kernelSize, inputChannels], lower: -bound, upper: bound, stream: &random))
    bias = Parameter(name: name + ".bias", value: Tensor.randomUniform(shape: [outputChannels], lower: -bound, upper: bound, stream: &random))
    self.coefficient = coefficient
    self.norm = norm
    padding = kernelSize / 2
    self.random = random.split()
  }

  public var parameters: [Parameter] { [weight, bias] }
  public var lipschitzLayers: [any LipschitzLayer] { [self] }

  /// σ = ⟨u, v ⋆ W⟩ (0 before the first input).
  public var spectralNormEstimate: Float {
    guard let leftVector, let rightVector else { return 0 }
    return (Convolution.forward(rightVector, weight: weight.value, padding: padding) * leftVector).sum().scalar
  }

  /// H · W · (O · k · k · C), 0 before the first input.
  public var powerIterationWork: Int {
    guard let rightVector else { return 0 }
    return rightVector.rowCount * weight.value.count
  }

  /// [u, v] once the input resolution is known, otherwise empty.
  public var singularVectors: [Tensor] {
    guard let leftVector, let rightVector else { return [] }
    return [leftVector, rightVector]
  }

  /// Restores [u, v] (or nothing, for a layer that had seen no input); the resolution is implied
  /// by their shapes.
  public func restoreSingularVectors(_ vectors: [Tensor]) throws {
    if vectors.isEmpty {
      (leftVector, rightVector) = (nil, nil)
      return
    }
    let (outputs, inputs) = (weight.value.shape[0], weight.value.shape[3])
    guard vectors.count == 2, vectors[0].rank == 4, vectors[1].rank == 4, vectors[0].shape[3] == outputs, vectors[1].shape[3] == inputs,
      vectors[0].shape[0...2] == vectors[1].shape[0...2]
    else {
      throw LipschitzStateError(description: "\(weight.name): expected u [1, H, W, \(outputs)] and v [1, H, W, \(inputs)], found \(vectors.map(\.shape))")
    }
    (leftVector, rightVector) = (vectors[0], vectors[1])
  }

  /// u ← normalize(v ⋆ W), v ← normalize(u ⋆ᵀ W) (Hölder dual maps for other norms than the
  /// spectral norm). Does nothing before the first input.
  public func updateSpectralNorm(_ schedule: PowerIteration) {
    guard let u = leftVector, let v = rightVector else { return }
    let (weight, padding, norm) = (self.weight.value, self.padding, self.norm)
    (leftVector, rightVector) = schedule.run(from: (u, v)) { _, v in
      norm.step(
        from: v, apply: { Convolution.forward($0, weight: weight, padding: padding) },
        adjoint: { Convolution.transposed($0, weight: weight, padding: padding) })
    }
    settleOneHot()
  }

  /// For p = 1 or q = ∞, puts the exact maximiser in place (as ``LipschitzLinear``): the
  /// operator's columns and rows are the kernel's slices for one input or output channel,
  /// complete at the centre pixel (exact for inputs of at least k × k), so v (u) is one-hot at
  /// the centre in the channel of the largest slice norm, and u (v) its dual.
  func settleOneHot() {
    guard !norm.isSpectral, let rightVector, let leftVector else { return }
    let weight = self.weight.value
    let (outputs, inputs) = (weight.shape[0], weight.shape[3])
    let entries = weight.scalars
    let taps = entries.count / (outputs * inputs)
    let rows = { (0..<outputs).map { Array(entries[($0 * taps * inputs)..<(($0 + 1) * taps * inputs)]) } }
    let columns = { (0..<inputs).map { channel in stride(from: channel, to: entries.count, by: inputs).map { entries[$0] } } }
    guard let choice = norm.largestOneHot(columns: columns, rows: rows) else { return }
    let orders = norm.orders
    switch choice {
    case .column(let channel):
      self.rightVector = Self.centreOneHot(shape: rightVector.shape, channel: channel)
      let image = Convolution.forward(self.rightVector!, weight: weight, padding: padding)
      self.leftVector = HolderDual.direction(of: image, unitIn: orders.codomain.conjugate)
    case .row(let channel):
      self.leftVector = Self.centreOneHot(shape: leftVector.shape, channel: channel)
      let preimage = Convolution.transposed(self.leftVector!, weight: weight, padding: padding)
      self.rightVector = HolderDual.direction(of: preimage, unitIn: orders.domain)
    }
  }

  /// `[1, H, W, C]` zero but 1 at the centre pixel (H/2, W/2) in `channel`.
  static func centreOneHot(shape: [Int], channel: Int) -> Tensor {
    var scalars = [Float](repeating: 0, count: shape.reduce(1, *))
    scalars[((shape[1] / 2) * shape[2] + shape[2] / 2) * shape[3] + channel] = 1
    return Tensor(shape: shape, scalars: scalars)
  }

  public func orderSensitiveNormEstimate() -> Variable? {
    guard norm.isLearned, let rightVector else { return nil }
    let (weight, padding) = (Variable(self.weight.value), self.padding)
    return norm.orderSensitiveEstimate(
      from: rightVector, apply: { Variable.convolution($0, weight: weight, padding: padding) },
      adjoint: { Variable.transposedConvolution($0, weight: weight, padding: padding) })
  }

  /// Creates u and v for inputs of `height × width` (and converges them), if not done yet.
  public func prepare(height: Int, width: Int) {
    if let rightVector, rightVector.shape[1] == height && rightVector.shape[2] == width { return }
    precondition(rightVector == nil, "\(weight.name): the input resolution changed from \(rightVector!.shape) to \(height)×\(width)")
    let (outputs, inputs) = (weight.value.shape[0], weight.value.shape[3])
    let orders = norm.orders
    let start = { (random: inout RandomStream) in
      self.leftVector = HolderDual.direction(of: Tensor.randomNormal(shape: [1, height, width, outputs], stream: &random), unitIn: orders.codomain.conjugate)
      self.rightVector = HolderDual.direction(of: Tensor.randomNormal(shape: [1, height, width, inputs], stream: &random), unitIn: orders.domain)
    }
    start(&random)
    updateSpectralNorm(.tolerance(absolute: 1e-3, relative: 1e-3, maximumIterations: 200))
    guard !norm.isSpectral else { return }
    var best = (leftVector, rightVector, spectralNormEstimate)
    for _ in 0..<10 {
      start(&random)
      updateSpectralNorm(.iterations(200))
      if spectralNormEstimate > best.2 { best = (leftVector, rightVector, spectralNormEstimate) }
    }
    (leftVector, rightVector) = (best.0, best.1)
  }

  /// Ŵ as a graph node; σ = ⟨u, v ⋆ W⟩ carries the gradient.
  public func normalizedWeight() -> Variable {
    let w = weight.variable
    guard let leftVector, let rightVector else { return w }
    let sigma = (Variable.convolution(Variable(rightVector), weight: w, padding: padding) * Variable(leftVector)).sum()
    if sigma.value.scalar <= coefficient { return w }
    return w * (Variable(Tensor(coefficient)) / sigma)
  }

  /// Returns x ⋆ Ŵ + b.
  public func callAsFunction(_ input: Variable) -> Variable {
    precondition(input.shape.count == 4, "\(weight.name) needs [N, H, W, C] input, got \(input.shape)")
    prepare(height: input.shape[1], width: input.shape[2])
    return Variable.convolution(input, weight: normalizedWeight(), padding: padding) + bias.variable
  }
}
