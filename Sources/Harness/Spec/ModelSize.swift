import Flows
import Foundation

extension ModelSpec {
  /// A lower bound of ``parameterCount(for:)`` computed from the widths alone, in `Double` so that
  /// no width can overflow it: the weights of every linear map and convolution, without biases,
  /// ActNorms, concatenation weights or activation widening (which only add). Building a model
  /// allocates its parameters, so sizes are checked with this bound before anything is built.
  public func parameterLowerBound(for data: DatasetSpec) -> Double {
    guard let geometry = data.kind.geometry else { return Double(blocks) * branchWeights(channels: 2, kernel: 1) }
    var (height, width, channels) = (geometry.height, geometry.width, geometry.channels)
    var total = 0.0
    for scale in 0..<scales {
      total += Double(blocks) * branchWeights(channels: Double(channels), kernel: 3)
      if scale < scales - 1 { (height, width, channels) = (height / 2, width / 2, channels * 4) }
    }
    return total + Double(fullyConnectedBlocks) * fullyConnectedWeights(dimension: Double(height * width * channels))
  }

  /// Weights of one residual branch on `channels` features: a perceptron (or convolutions whose
  /// first and last kernels are `kernel` × `kernel`, the inner ones 1 × 1), or a dense branch
  /// (`kernel` × `kernel` dense layers, a 1 × 1 output).
  func branchWeights(channels: Double, kernel: Double) -> Double {
    let area = kernel * kernel
    switch family {
    case .iresnet, .resflow:
      let widths = [channels] + hidden.map(Double.init) + [channels]
      return zip(widths.dropLast(), widths.dropFirst()).enumerated().reduce(0.0) { sum, layer in
        let outer = layer.offset == 0 || layer.offset == widths.count - 2
        return sum + (outer ? area : 1) * layer.element.0 * layer.element.1
      }
    case .idensenet:
      let growth = Double(fixedGrowth ?? 1)
      let layers = (0..<depth).reduce(0.0) { $0 + area * (channels + Double($1) * growth) * growth / Double(activation.widthMultiplier) }
      return layers + (channels + Double(depth) * growth) * channels
    }
  }

  /// Weights of one fully connected block of an image model on `dimension` features.
  func fullyConnectedWeights(dimension: Double) -> Double {
    switch family {
    case .iresnet, .resflow:
      let widths = [dimension] + fullyConnectedHidden.map(Double.init) + [dimension]
      return zip(widths.dropLast(), widths.dropFirst()).reduce(0.0) { $0 + $1.0 * $1.1 }
    case .idensenet:
      return dimension * 64 + (64 + 3 * 32) * dimension
    }
  }

  /// The parameter count on `data`, after checking that it is at most
  /// ``SpecLimits/maximumParameters``: first with ``parameterLowerBound(for:)`` (nothing is
  /// built for a model that is certainly too large), then exactly. Errors are located at `node`
  /// and give the count and an estimate of the training memory.
  func checkedParameterCount(for data: DatasetSpec, at node: SpecNode, counts: ParameterCounts) throws -> Int {
    let bound = parameterLowerBound(for: data)
    guard bound <= Double(SpecLimits.maximumParameters) else { throw ModelSpec.sizeError(bound, atLeast: true, on: data, at: node) }
    let count = counts.count(self, on: data)
    guard count <= SpecLimits.maximumParameters else { throw ModelSpec.sizeError(Double(count), atLeast: false, on: data, at: node) }
    return count
  }

  static func sizeError(_ count: Double, atLeast: Bool, on data: DatasetSpec, at node: SpecNode) -> SpecError {
    let memory = count * Double(SpecLimits.trainingBytesPerParameter)
    return node.error(
      "\(atLeast ? "at least " : "")\(ModelSpec.largeNumber(count)) parameters on \(data.name) (about \(ModelSpec.bytes(memory)) to train); "
        + "allowed: at most \(ModelSpec.largeNumber(Double(SpecLimits.maximumParameters))) (weights, gradients, two Adam moments and an average: 20 bytes each)")
  }

  /// `8.59 billion`, `134 million`: three significant digits.
  static func largeNumber(_ value: Double) -> String {
    let scales: [(Double, String)] = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")]
    guard let (size, word) = scales.first(where: { value >= $0.0 }) else { return String(Int(value)) }
    return "\(significant(value / size)) \(word)"
  }

  /// `172 GB`, `2.4 TB`.
  static func bytes(_ value: Double) -> String {
    let scales: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB")]
    guard let (size, unit) = scales.first(where: { value >= $0.0 }) else { return "\(Int(value)) bytes" }
    return "\(significant(value / size)) \(unit)"
  }

  /// Three significant digits (`8.59`, `172`), or the whole number from 1,000 up.
  static func significant(_ value: Double) -> String {
    String(format: value < 1000 ? "%.3g" : "%.0f", value)
  }
}

/// Parameter counts already computed during one validation, so that a model shared by many runs
/// (every point of a sweep) is built once.
final class ParameterCounts {
  private var counts: [String: Int] = [:]

  /// The count of `model` on `data` (``ModelSpec/parameterCount(for:)``), remembered.
  func count(_ model: ModelSpec, on data: DatasetSpec) -> Int {
    var key = model
    (key.name, key.label) = ("", "")
    let text = "\(key)|\(data.kind)"
    if let known = counts[text] { return known }
    let count = model.parameterCount(for: data)
    counts[text] = count
    return count
  }
}
