import FlowCore

/// A fully connected layer with a spectral-norm constraint: `x [..., in] → [..., out]`,
/// y = x·Ŵᵀ + b with Ŵ = W / max(1, σ/coefficient) (residual-flows `InducedNormLinear` with
/// domain = codomain = 2).
public final class LipschitzLinear: LipschitzLayer, LipschitzConstrained {
  /// The name given at construction; the parameters are `<name>.weight` and `<name>.bias`.
  public let name: String
  /// W, `[out, in]`.
  public let weight: Parameter
  /// b, `[out]`.
  public let bias: Parameter
  /// The bound on the spectral norm of Ŵ.
  public let coefficient: Float
  /// Left singular-vector estimate, `[out]`.
  public private(set) var leftVector: Tensor
  /// Right singular-vector estimate, `[in]`.
  public private(set) var rightVector: Tensor

  /// Creates the layer with PyTorch's default initialisation, U(±1/√in) for W and b (W divided
  /// by 1000 when `initialization` is ``LastLayerInitialization/nearZero``, as the last layer of
  /// the toy Residual Flow), random u and v, and 200 power iterations.
  public init(
    name: String, inputSize: Int, outputSize: Int, coefficient: Float, initialization: LastLayerInitialization = .standard,
    random: inout RandomStream
  ) {
    precondition(coefficient > 0, "Lipschitz coefficient must be positive, got \(coefficient)")
    let bound = 1 / Float(inputSize).squareRoot()
    var initial = Tensor.randomUniform(shape: [outputSize, inputSize], lower: -bound, upper: bound, stream: &random)
    if initialization == .nearZero { initial = initial * 1e-3 }
    self.name = name
    weight = Parameter(name: name + ".weight", value: initial)
    bias = Parameter(name: name + ".bias", value: Tensor.randomUniform(shape: [outputSize], lower: -bound, upper: bound, stream: &random))
    self.coefficient = coefficient
    leftVector = normalized(Tensor.randomNormal(shape: [outputSize], stream: &random))
    rightVector = normalized(Tensor.randomNormal(shape: [inputSize], stream: &random))
    updateSpectralNorm(.iterations(200))
  }

  /// W and b.
  public var parameters: [Parameter] { [weight, bias] }
  /// This layer.
  public var lipschitzLayers: [any LipschitzLayer] { [self] }

  /// σ = uᵀWv.
  public var spectralNormEstimate: Float {
    let product = Tensor.matrixProduct(weight.value, rightVector.reshaped([rightVector.count, 1]))
    return (product.reshaped([leftVector.count]) * leftVector).sum().scalar
  }

  /// [u, v].
  public var singularVectors: [Tensor] { [leftVector, rightVector] }

  public func restoreSingularVectors(_ vectors: [Tensor]) throws {
    guard vectors.count == 2, vectors[0].shape == leftVector.shape, vectors[1].shape == rightVector.shape else {
      throw LipschitzStateError(description: "\(weight.name): expected u \(leftVector.shape) and v \(rightVector.shape), found \(vectors.map(\.shape))")
    }
    (leftVector, rightVector) = (vectors[0], vectors[1])
  }

  /// u ← normalize(W v), then v ← normalize(Wᵀ u) (u first, as the reference).
  public func updateSpectralNorm(_ schedule: PowerIteration) {
    let (outputs, inputs) = (weight.value.shape[0], weight.value.shape[1])
    let weight = self.weight.value
    (leftVector, rightVector) = schedule.run(from: (leftVector, rightVector)) { _, v in
      let u = normalized(Tensor.matrixProduct(weight, v.reshaped([inputs, 1])).reshaped([outputs]))
      return (u, normalized(Tensor.matrixProduct(weight, u.reshaped([outputs, 1]), transposeA: .transposed).reshaped([inputs])))
    }
  }

  /// Ŵ = W / max(1, σ/coefficient) as a graph node; σ = uᵀWv carries the gradient.
  public func normalizedWeight() -> Variable {
    let w = weight.variable
    let (outputs, inputs) = (weight.value.shape[0], weight.value.shape[1])
    let product = Variable.matrixProduct(w, Variable(rightVector.reshaped([inputs, 1])))
    let sigma = (product.reshaped([outputs]) * Variable(leftVector)).sum()
    if sigma.value.scalar <= coefficient { return w }
    return w * (Variable(Tensor(coefficient)) / sigma)
  }

  /// Returns x·Ŵᵀ + b.
  public func callAsFunction(_ input: Variable) -> Variable {
    Variable.affine(input, weight: normalizedWeight(), bias: bias.variable)
  }
}
