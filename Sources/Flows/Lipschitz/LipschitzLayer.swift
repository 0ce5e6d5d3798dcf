import FlowCore

/// How power iteration refines the estimate of a weight's spectral norm.
public enum PowerIteration: Sendable, Equatable {
  /// Exactly this many iterations (toy reference: 5 after each optimizer step, 200 before
  /// evaluation and at construction).
  case iterations(Int)
  /// Iterate until both vectors change by less than `absolute + relative·max|·|` per element
  /// (root-mean-square), at most `maximumIterations` times (image reference: 1e-3, 1e-3, 200).
  case tolerance(absolute: Float, relative: Float, maximumIterations: Int)
}

extension PowerIteration {
  /// Runs power iteration from (u, v) according to the schedule; `step` maps (u, v) to the next
  /// pair. With a tolerance, stops once both vectors change by less than it.
  func run(from start: (Tensor, Tensor), step: (Tensor, Tensor) -> (Tensor, Tensor)) -> (Tensor, Tensor) {
    var (u, v) = start
    switch self {
    case .iterations(let count):
      for _ in 0..<count { (u, v) = step(u, v) }
    case .tolerance(let absolute, let relative, let maximum):
      for _ in 0..<maximum {
        let (oldU, oldV) = (u, v)
        (u, v) = step(u, v)
        if converged(u, oldU, absolute: absolute, relative: relative) && converged(v, oldV, absolute: absolute, relative: relative) { break }
      }
    }
    return (u, v)
  }
}

/// A layer whose weight is rescaled to a spectral norm of at most `coefficient`.
///
/// The weight used is W / max(1, σ/coefficient) with σ = uᵀWv, where u and v are persistent,
/// warm-started singular-vector estimates (Behrmann et al. 2019 §3; Chen et al. 2019 §3.3).
/// Power iteration never runs inside the forward pass; call ``updateSpectralNorm(_:)`` after
/// each optimizer step. Gradients flow through σ (u and v are constants).
public protocol LipschitzLayer: AnyObject {
  /// The bound on the spectral norm of the weight actually used.
  var coefficient: Float { get }
  /// Runs power iteration on the current weight and stores the new u, v and σ.
  func updateSpectralNorm(_ schedule: PowerIteration)
  /// σ = uᵀWv for the stored u and v: the current estimate of the raw weight's spectral norm.
  var spectralNormEstimate: Float { get }
  /// The persistent power-iteration state (u, v), empty while there is none yet; saved in
  /// checkpoints so that a resumed run continues bit for bit.
  var singularVectors: [Tensor] { get }
  /// Puts back state read from ``singularVectors``.
  /// - Throws: ``LipschitzStateError`` when the count or shapes do not fit this layer.
  func restoreSingularVectors(_ vectors: [Tensor]) throws
}

/// Saved power-iteration state that does not fit the layer it is restored into.
public struct LipschitzStateError: Error, CustomStringConvertible {
  /// What does not fit.
  public let description: String

  /// Creates the error.
  public init(description: String) {
    self.description = description
  }
}

/// Things that contain Lipschitz layers, to be updated together.
public protocol LipschitzConstrained {
  /// Every Lipschitz layer inside, in a fixed order.
  var lipschitzLayers: [any LipschitzLayer] { get }
}

extension LipschitzConstrained {
  /// Runs power iteration on every Lipschitz layer inside.
  public func updateSpectralNorms(_ schedule: PowerIteration) {
    for layer in lipschitzLayers { layer.updateSpectralNorm(schedule) }
  }
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
