import FlowCore

/// The Lipschitz map W of a dense layer: `[..., in] → [..., out]` (a ``LipschitzLinear`` in the
/// fully connected branches, a 3×3 ``LipschitzConvolution`` in the image branches).
public protocol DenseLayerMap: LipschitzLayer {
  /// W, `[..., in] → [..., out]`.
  func callAsFunction(_ input: Variable) -> Variable
  /// The trainable parameters, in a fixed order.
  var parameters: [Parameter] { get }
}

extension LipschitzLinear: DenseLayerMap {}
extension LipschitzConvolution: DenseLayerMap {}

/// One dense layer of an i-DenseNet (Perugachi-Diaz et al. 2021, Eq. 9–10):
/// h(x) = [η̂₁·x, η̂₂·φ(Wx)], `[..., in] → [..., in + growth]`, with
/// η̂ᵢ = c·ηᵢ / √(η₁² + η₂²), so that Lip(h) ≤ c when Lip(φ∘W) ≤ 1.
public final class DenseLayer<Map: DenseLayerMap>: ConcatenationLayer {
  /// The Lipschitz map W.
  public let map: Map
  /// φ.
  public let activation: Activation
  /// The concatenation weights' norm c (0.98 in the paper).
  public let concatenationCoefficient: Float
  /// K₁, K₂ (`[2]`) when learnable; nil when fixed at 1.
  public let concatenationWeights: Parameter?
  /// Fixed or learnable, and from when.
  public let concatenation: Concatenation

  /// Creates the layer from W and φ; K (when learnable) is called `<name>.concatenation`.
  init(map: Map, activation: Activation, concatenationCoefficient: Float, concatenation: Concatenation, name: String) {
    self.map = map
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
    Variable.concatenatingLastAxis([input, activation(map(input))], scaledBy: normalizedConcatenationWeights())
  }

  /// W's parameters, β̃ of φ when it has one, then K when learnable.
  public var parameters: [Parameter] { map.parameters + activation.parameters + (concatenationWeights.map { [$0] } ?? []) }
}
