import FlowCore

/// How the two parts of a dense layer's concatenation are weighted.
public enum Concatenation: Sendable, Equatable {
  /// η̂₁ = η̂₂ = c/√2 (K₁ = K₂ = 1, fixed).
  case fixed
  /// η = softplus(K) + 0.1 with K learnable (initialised at 1); until iteration
  /// `startIteration` the training loop resets K to 1 after every step (the reference fork).
  case learnable(startIteration: Int)
}

/// η̂ = c·η/‖η‖ with η = softplus(K) + 0.1, K = (1, 1) when not learnable
/// (Perugachi-Diaz et al. 2021, Eq. 10): a `[2]` variable with ‖η̂‖ = c.
func normalizedConcatenation(_ weights: Parameter?, coefficient: Float) -> Variable {
  let k = weights?.variable ?? Variable(Tensor(shape: [2], scalars: [1, 1]))
  let eta = k.softplus() + 0.1
  return eta * coefficient / eta.squared().sum().squareRoot()
}

/// One dense layer of an i-DenseNet (Perugachi-Diaz et al. 2021, Eq. 9–10):
/// h(x) = [η̂₁·x, η̂₂·φ(Wx)], `[..., in] → [..., in + growth]`, with
/// η̂ᵢ = c·ηᵢ / √(η₁² + η₂²), so that Lip(h) ≤ c when Lip(φ∘W) ≤ 1.
public final class DenseLayer {
  /// The Lipschitz linear map W.
  public let linear: LipschitzLinear
  /// φ.
  public let activation: Activation
  /// The concatenation weights' norm c (0.98 in the paper).
  public let concatenationCoefficient: Float
  /// K₁, K₂ (`[2]`) when learnable; nil when fixed at 1.
  public let concatenationWeights: Parameter?
  /// Fixed or learnable, and from when.
  public let concatenation: Concatenation

  init(linear: LipschitzLinear, activation: Activation, concatenationCoefficient: Float, concatenation: Concatenation, name: String) {
    self.linear = linear
    self.activation = activation
    self.concatenationCoefficient = concatenationCoefficient
    self.concatenation = concatenation
    switch concatenation {
    case .fixed: concatenationWeights = nil
    case .learnable: concatenationWeights = Parameter(name: name + ".concatenation", value: Tensor(shape: [2], scalars: [1, 1]))
    }
  }

  /// The normalised weights (η̂₁, η̂₂) as a `[2]` variable.
  public func normalizedConcatenationWeights() -> Variable {
    normalizedConcatenation(concatenationWeights, coefficient: concatenationCoefficient)
  }

  /// (η̂₁, η̂₂) as numbers, for reports.
  public var concatenationWeightValues: (Float, Float) {
    let values = normalizedConcatenationWeights().value
    return (values[flat: 0], values[flat: 1])
  }

  /// Puts K₁ = K₂ = 1 back (before the learnable concatenation starts).
  public func resetConcatenationWeights() {
    concatenationWeights?.value = Tensor(shape: [2], scalars: [1, 1])
  }

  /// Resets K to 1 when `iteration` is before the start of the learnable concatenation (the
  /// reference does this after every optimizer step until then).
  public func applyConcatenationSchedule(afterIteration iteration: Int) {
    if case .learnable(let start) = concatenation, iteration < start { resetConcatenationWeights() }
  }

  /// [η̂₁·x, η̂₂·φ(Wx)].
  public func callAsFunction(_ input: Variable) -> Variable {
    Variable.concatenatingLastAxis([input, activation(linear(input))], scaledBy: normalizedConcatenationWeights())
  }

  var parameters: [Parameter] { linear.parameters + activation.parameters + (concatenationWeights.map { [$0] } ?? []) }
}

/// The fully connected i-DenseNet branch: `depth` dense layers, each adding `growth` features,
/// then a Lipschitz linear map back to `d` (the toy i-DenseNet of Perugachi-Diaz et al. 2021).
public final class DenseBranch: ResidualBranch {
  /// The dense layers.
  public let layers: [DenseLayer]
  /// The final map `[..., d + depth·growth] → [..., d]`.
  public let output: LipschitzLinear
  /// An optional first map `d → width` without activation (the image models' FC dense block
  /// starts with Linear(D → 64)).
  public let inputProjection: LipschitzLinear?

  /// Creates the branch for `dimension`-dimensional inputs.
  public init(
    name: String, dimension: Int, depth: Int, growth: Int, activation: ActivationKind,
    coefficient: Float, concatenationCoefficient: Float, concatenation: Concatenation,
    projectionWidth: Int? = nil, random: inout RandomStream
  ) {
    precondition(depth >= 1 && growth >= 1, "Dense branch needs depth ≥ 1 and growth ≥ 1")
    precondition(concatenationCoefficient > 0 && concatenationCoefficient < 1, "Concatenation coefficient must be in (0, 1)")
    inputProjection = projectionWidth.map {
      LipschitzLinear(name: "\(name).projection", inputSize: dimension, outputSize: $0, coefficient: coefficient, random: &random)
    }
    var width = projectionWidth ?? dimension
    var built: [DenseLayer] = []
    precondition(growth % activation.widthMultiplier == 0, "Growth \(growth) must be divisible by \(activation.widthMultiplier) for \(activation.rawValue)")
    for index in 0..<depth {
      let linear = LipschitzLinear(
        name: "\(name).dense\(index).linear", inputSize: width, outputSize: growth / activation.widthMultiplier, coefficient: coefficient, random: &random)
      built.append(DenseLayer(
        linear: linear, activation: Activation(activation, name: "\(name).dense\(index).activation"),
        concatenationCoefficient: concatenationCoefficient, concatenation: concatenation, name: "\(name).dense\(index)"))
      width += growth
    }
    layers = built
    output = LipschitzLinear(name: "\(name).output", inputSize: width, outputSize: dimension, coefficient: coefficient, random: &random)
  }

  public var parameters: [Parameter] { (inputProjection?.parameters ?? []) + layers.flatMap(\.parameters) + output.parameters }

  /// Applies ``DenseLayer/applyConcatenationSchedule(afterIteration:)`` to every layer.
  public func applyConcatenationSchedule(afterIteration iteration: Int) {
    for layer in layers { layer.applyConcatenationSchedule(afterIteration: iteration) }
  }

  public var lipschitzLayers: [any LipschitzLayer] { (inputProjection.map { [$0] } ?? []) + layers.map(\.linear) + [output] }

  public func callAsFunction(_ input: Variable) -> Variable {
    var hidden = inputProjection.map { $0(input) } ?? input
    for layer in layers { hidden = layer(hidden) }
    return output(hidden)
  }
}
