import FlowCore
import Foundation

/// Activation normalisation (Kingma & Dhariwal 2018) over a trailing feature shape — `[C]` per
/// channel (ActNorm2d), or the whole `[H, W, C]` (ActNorm1d over flattened images):
/// y = (x + b)·exp(w), log-det = Σ w times the number of positions per sample.
/// b and w are initialised from the first batch: b = −mean, w = −½·log(max(var, 0.2)) with the
/// unbiased variance (residual-flows `ActNormNd`).
public final class ActNorm: Flow {
  public let name: String
  /// b, `[C]`.
  public let shift: Parameter
  /// w, `[C]`.
  public let logScale: Parameter
  /// Whether the data-dependent initialisation has happened (set it when restoring b and w from a
  /// checkpoint, so that the next batch does not initialise them again).
  public var isInitialized = false

  /// Creates the layer for inputs whose trailing axes are `featureShape` (`[C]` per channel).
  public init(name: String, featureShape: [Int]) {
    self.name = name
    shift = Parameter(name: name + ".shift", value: Tensor.zeros(featureShape))
    logScale = Parameter(name: name + ".logScale", value: Tensor.zeros(featureShape))
  }

  public var parameters: [Parameter] { [shift, logScale] }
  public var lipschitzLayers: [any LipschitzLayer] { [] }

  /// Sets b and w from a batch (called by the first forward pass).
  public func initialize(from batch: Tensor) {
    let features = shift.value.count
    let rows = batch.count / features
    let matrix = batch.reshaped([rows, features])
    let mean = matrix.sum(alongAxis: 0) * (1 / Float(rows))
    let centered = matrix - mean
    let variance = centered.squared().sum(alongAxis: 0) * (1 / Float(max(rows - 1, 1)))
    shift.value = (-mean).reshaped(shift.value.shape)
    logScale.value = variance.mapScalars { -0.5 * Foundation.log(max($0, 0.2)) }.reshaped(shift.value.shape)
    isInitialized = true
  }

  public func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput {
    if !isInitialized { initialize(from: input.value) }
    let positions = Float(input.value.count / max(input.shape[0], 1) / shift.value.count)
    let output = (input + shift.variable) * logScale.variable.exp()
    let logDeterminant = (logScale.variable.sum() * positions).broadcast(toShape: [input.shape[0]])
    return FlowOutput(value: output, logDeterminant: logDeterminant)
  }

  public func inverse(_ output: Tensor) throws -> Tensor {
    output * (-logScale.value).exp() - shift.value
  }
}

/// Space-to-depth as a flow: `[N, H, W, C] → [N, H/2, W/2, 4C]`, log-det 0.
public final class SqueezeFlow: Flow {
  public let name: String
  /// Creates the layer.
  public init(name: String) { self.name = name }
  public var parameters: [Parameter] { [] }
  public var lipschitzLayers: [any LipschitzLayer] { [] }

  public func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput {
    FlowOutput(value: input.squeezed(), logDeterminant: Variable(Tensor.zeros([input.shape[0]])))
  }

  public func inverse(_ output: Tensor) throws -> Tensor { output.unsqueezed() }
}

/// The logit transform of dequantised pixels in [0, 1] (Dinh et al. 2017; residual-flows
/// `LogitTransform`): s = α + (1 − 2α)x, y = log s − log(1 − s), with
/// log-det = Σ [log(1 − 2α) − log(s − s²)]. α = 1e-6 for MNIST, 0.05 for CIFAR10.
public final class LogitTransform: Flow {
  public let name: String
  /// α.
  public let alpha: Float

  /// Creates the transform.
  public init(name: String, alpha: Float) {
    precondition(alpha >= 0 && alpha < 0.5, "Logit α must be in [0, 0.5), got \(alpha)")
    self.name = name
    self.alpha = alpha
  }

  public var parameters: [Parameter] { [] }
  public var lipschitzLayers: [any LipschitzLayer] { [] }

  public func forward(_ input: Variable, context: inout FlowContext) -> FlowOutput {
    let s = input * (1 - 2 * alpha) + alpha
    let oneMinus = 1 - s
    let output = s.log() - oneMinus.log()
    let perElement = (s * oneMinus).log() * -1 + Float(Foundation.log(Double(1 - 2 * alpha)))
    return FlowOutput(value: output, logDeterminant: sumPerSample(perElement))
  }

  public func inverse(_ output: Tensor) throws -> Tensor {
    (output.sigmoid() - alpha) * (1 / (1 - 2 * alpha))
  }
}
