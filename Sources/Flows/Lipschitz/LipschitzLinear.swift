import FlowCore

/// A fully connected layer with an induced-norm constraint: `x [..., in] → [..., out]`,
/// y = x·Ŵᵀ + b with Ŵ = W / max(1, σ/coefficient) (residual-flows `InducedNormLinear`); σ
/// estimates ‖W‖_{p→q} for the layer's ``norm`` (the spectral norm by default).
public final class LipschitzLinear: LipschitzLayer, LipschitzConstrained {
  /// The name given at construction; the parameters are `<name>.weight` and `<name>.bias`.
  public let name: String
  /// W, `[out, in]`.
  public let weight: Parameter
  /// b, `[out]`.
  public let bias: Parameter
  /// The bound on the induced norm of Ŵ.
  public let coefficient: Float
  /// The domain and codomain norms.
  public let norm: InducedNorm
  /// Left singular-vector estimate, `[out]`.
  public private(set) var leftVector: Tensor
  /// Right singular-vector estimate, `[in]`.
  public private(set) var rightVector: Tensor

  /// Creates the layer with PyTorch's default initialisation, U(±1/√in) for W and b (W divided
  /// by 1000 when `initialization` is ``LastLayerInitialization/nearZero``, as the last layer of
  /// the toy Residual Flow), random u and v, and 200 power iterations; for norms other than the
  /// spectral norm, the best of 11 random starts (as the reference, whose 10 restarts come from
  /// a stream split off `random` here, so the weights drawn after this layer do not depend on
  /// the norms).
  public init(
    name: String, inputSize: Int, outputSize: Int, coefficient: Float, initialization: LastLayerInitialization = .standard,
    norm: InducedNorm = .spectral, random: inout RandomStream
  ) {
    precondition(coefficient > 0, "Lipschitz coefficient must be positive, got \(coefficient)")
    let bound = 1 / Float(inputSize).squareRoot()
    var initial = Tensor.randomUniform(shape: [outputSize, inputSize], lower: -bound, upper: bound, stream: &random)
    if initialization == .nearZero { initial = initial * 1e-3 }
    self.name = name
    weight = Parameter(name: name + ".weight", value: initial)
    bias = Parameter(name: name + ".bias", value: Tensor.randomUniform(shape: [outputSize], lower: -bound, upper: bound, stream: &random))
    self.coefficient = coefficient
    self.norm = norm
    let orders = norm.orders
    leftVector = HolderDual.direction(of: Tensor.randomNormal(shape: [outputSize], stream: &random), unitIn: orders.codomain.conjugate)
    rightVector = HolderDual.direction(of: Tensor.randomNormal(shape: [inputSize], stream: &random), unitIn: orders.domain)
    updateSpectralNorm(.iterations(200))
    if !norm.isSpectral {
      var restarts = random.split()
      keepBestStart(of: 10, random: &restarts)
    }
  }

  /// Runs 200 power iterations from each of `count` random starts and keeps the vectors of the
  /// largest σ (including the current ones): power iteration for p → q norms finds a local
  /// maximum.
  func keepBestStart(of count: Int, random: inout RandomStream) {
    let orders = norm.orders
    var best = (leftVector, rightVector, spectralNormEstimate)
    for _ in 0..<count {
      leftVector = HolderDual.direction(of: Tensor.randomNormal(shape: leftVector.shape, stream: &random), unitIn: orders.codomain.conjugate)
      rightVector = HolderDual.direction(of: Tensor.randomNormal(shape: rightVector.shape, stream: &random), unitIn: orders.domain)
      updateSpectralNorm(.iterations(200))
      if spectralNormEstimate > best.2 { best = (leftVector, rightVector, spectralNormEstimate) }
    }
    (leftVector, rightVector) = (best.0, best.1)
  }

  /// W and b (learned norm orders belong to the branch that shares them).
  public var parameters: [Parameter] { [weight, bias] }
  /// This layer.
  public var lipschitzLayers: [any LipschitzLayer] { [self] }

  /// σ = uᵀWv.
  public var spectralNormEstimate: Float {
    let product = Tensor.matrixProduct(weight.value, rightVector.reshaped([rightVector.count, 1]))
    return (product.reshaped([leftVector.count]) * leftVector).sum().scalar
  }

  /// out · in.
  public var powerIterationWork: Int { weight.value.count }

  /// [u, v].
  public var singularVectors: [Tensor] { [leftVector, rightVector] }

  public func restoreSingularVectors(_ vectors: [Tensor]) throws {
    guard vectors.count == 2, vectors[0].shape == leftVector.shape, vectors[1].shape == rightVector.shape else {
      throw LipschitzStateError(description: "\(weight.name): expected u \(leftVector.shape) and v \(rightVector.shape), found \(vectors.map(\.shape))")
    }
    (leftVector, rightVector) = (vectors[0], vectors[1])
  }

  /// u ← normalize(W v), then v ← normalize(Wᵀ u) (u first, as the reference); for other
  /// norms than the spectral norm the normalisations are the Hölder dual maps of ``HolderDual``.
  public func updateSpectralNorm(_ schedule: PowerIteration) {
    let (outputs, inputs) = (weight.value.shape[0], weight.value.shape[1])
    let weight = self.weight.value
    let norm = self.norm
    (leftVector, rightVector) = schedule.run(from: (leftVector, rightVector)) { _, v in
      norm.step(
        from: v, apply: { Tensor.matrixProduct(weight, $0.reshaped([inputs, 1])).reshaped([outputs]) },
        adjoint: { Tensor.matrixProduct(weight, $0.reshaped([outputs, 1]), transposeA: .transposed).reshaped([inputs]) })
    }
    settleOneHot()
  }

  /// For p = 1 or q = ∞, where power iteration's one-hot steps only find a local maximum, puts
  /// the exact maximiser in place: v = eⱼ for the column of largest q-norm and u its dual, or
  /// u = eᵢ for the row of largest p*-norm and v its dual.
  func settleOneHot() {
    guard !norm.isSpectral else { return }
    let (outputs, inputs) = (weight.value.shape[0], weight.value.shape[1])
    let entries = weight.value.scalars
    let rows = { (0..<outputs).map { Array(entries[($0 * inputs)..<(($0 + 1) * inputs)]) } }
    let columns = { (0..<inputs).map { column in (0..<outputs).map { entries[$0 * inputs + column] } } }
    guard let choice = norm.largestOneHot(columns: columns, rows: rows) else { return }
    let orders = norm.orders
    let weight = self.weight.value
    switch choice {
    case .column(let index):
      rightVector = Tensor(shape: [inputs], scalars: (0..<inputs).map { $0 == index ? 1 : 0 })
      let image = Tensor.matrixProduct(weight, rightVector.reshaped([inputs, 1])).reshaped([outputs])
      leftVector = HolderDual.direction(of: image, unitIn: orders.codomain.conjugate)
    case .row(let index):
      leftVector = Tensor(shape: [outputs], scalars: (0..<outputs).map { $0 == index ? 1 : 0 })
      rightVector = HolderDual.direction(of: Tensor(shape: [inputs], scalars: rows()[index]), unitIn: orders.domain)
    }
  }

  public func orderSensitiveNormEstimate() -> Variable? {
    guard norm.isLearned else { return nil }
    let (outputs, inputs) = (weight.value.shape[0], weight.value.shape[1])
    let weight = Variable(self.weight.value)
    return norm.orderSensitiveEstimate(
      from: rightVector, apply: { Variable.matrixProduct(weight, $0.reshaped([inputs, 1])).reshaped([outputs]) },
      adjoint: { Variable.matrixProduct(weight, $0.reshaped([outputs, 1]), transposeA: .transposed).reshaped([inputs]) })
  }

  /// Ŵ = W / max(1, σ/coefficient) as a graph node; σ = uᵀWv carries the gradient.
  public func normalizedWeight() -> Variable {
    let w = weight.variable
    let (outputs, inputs) = (weight.value.shape[0], weight.value.shape[1])
    let product = Variable.matrixProduct(w, Variable(rightVector.reshaped([inputs, 1])))
    let sigma = (product.reshaped([outputs]) * Variable(leftVector)).sum()
    let normalized = sigma.value.scalar <= coefficient ? w : w * (Variable(Tensor(coefficient)) / sigma)
    // Ŵ is B of the forward product and of every vector-Jacobian product through this layer.
    normalized.value.keepingPackedPanels()
    return normalized
  }

  /// Returns x·Ŵᵀ + b.
  public func callAsFunction(_ input: Variable) -> Variable {
    Variable.affine(input, weight: normalizedWeight(), bias: bias.variable)
  }
}
