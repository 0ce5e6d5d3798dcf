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
  public var concatenationLayers: [any ConcatenationLayer] { [] }

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
