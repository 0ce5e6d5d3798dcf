import FlowCore

/// A layer whose weight is rescaled to an induced norm ‖W‖_{p→q} of at most `coefficient`
/// (the spectral norm, p = q = 2, unless ``norm`` says otherwise).
///
/// The weight used is W / max(1, σ/coefficient) with σ = uᵀWv, where u and v are persistent,
/// warm-started singular-vector estimates (Behrmann et al. 2019 §3; Chen et al. 2019 §3.3).
/// Power iteration never runs inside the forward pass; call ``updateSpectralNorm(_:)`` after
/// each optimizer step. Gradients flow through σ (u and v are constants).
public protocol LipschitzLayer: AnyObject {
  /// The layer's name, unique within a model (`block1.linear2`, the prefix of its weight's
  /// parameter name); checkpoints key the power-iteration vectors by it.
  var name: String { get }
  /// The bound on the induced norm of the weight actually used.
  var coefficient: Float { get }
  /// The domain and codomain norms σ is measured in.
  var norm: InducedNorm { get }
  /// With learned norm orders: one power-iteration step from the stored v with the weight held
  /// constant, and σ = uᵀWv, as a graph node on the orders (the reference's
  /// `compute_one_iter`); nil when no order is learned.
  func orderSensitiveNormEstimate() -> Variable?
  /// Runs power iteration on the current weight and stores the new u, v and σ.
  func updateSpectralNorm(_ schedule: PowerIteration)
  /// The multiply-adds of one application of W in power iteration (as many again for Wᵀ): the
  /// weight's element count for a linear layer, times the pixels of v for a convolution (0 before
  /// the first input). Decides whether layers run power iteration side by side or one at a time.
  var powerIterationWork: Int { get }
  /// σ = uᵀWv for the stored u and v: the current estimate of the raw weight's spectral norm.
  var spectralNormEstimate: Float { get }
  /// The persistent power-iteration state (u, v), empty while there is none yet; saved in
  /// checkpoints so that a resumed run continues bit for bit.
  var singularVectors: [Tensor] { get }
  /// Puts back state read from ``singularVectors``.
  /// - Throws: ``LipschitzStateError`` when the count or shapes do not fit this layer.
  func restoreSingularVectors(_ vectors: [Tensor]) throws
}

/// A unit vector in the direction of `tensor` (a zero tensor stays zero).
func normalized(_ tensor: Tensor) -> Tensor {
  let norm = (tensor * tensor).sum().scalar.squareRoot()
  return norm > 0 ? tensor * (1 / norm) : tensor
}

/// Whether the change between two unit vectors is within the tolerance of `schedule`.
func converged(_ new: Tensor, _ old: Tensor, absolute: Float, relative: Float) -> Bool {
  let difference = new - old
  let rms = ((difference * difference).sum().scalar / Float(max(new.count, 1))).squareRoot()
  let largest = new.scalars.map(abs).max() ?? 0
  return rms < absolute + relative * largest
}
