import FlowCore
import Foundation

/// A ``TrainingState`` as a checkpoint file: the JSON header holds every number but the tensors
/// and lists the tensors by name and shape; the tensors follow in the order values, first
/// moments, second moments, averages (when kept), power-iteration vectors.
extension TrainingState {
  /// The JSON header of a checkpoint file.
  struct Header: Codable {
    /// Whether the parameters' averages follow their moments.
    enum Averages: String, Codable {
      case kept, none
    }

    /// A random stream's position.
    struct Stream: Codable {
      var key: UInt64
      var position: UInt64
      var splits: UInt64
    }

    /// A parameter's name and shape.
    struct ParameterEntry: Codable {
      var name: String
      var shape: [Int]
    }

    /// A Lipschitz layer's name and the shapes of its vectors.
    struct PowerIterationEntry: Codable {
      var layer: String
      var shapes: [[Int]]
    }

    var owner: CheckpointOwner
    var iteration: Int
    var adamStep: Int
    var dataStream: Stream
    var estimatorStream: Stream
    var lossWindow: LossWindow
    var elapsedSeconds: Double
    var row: RowStatus
    var metricRows: Int
    var averages: Averages
    var parameters: [ParameterEntry]
    var powerIterations: [PowerIterationEntry]
    var actNorms: [ActNormState]
  }

  /// Non-finite doubles as text, so that any loss window can be written.
  static let nonFinite = (infinity: "inf", negativeInfinity: "-inf", nan: "nan")

  /// The checkpoint file's contents.
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: Self.nonFinite.infinity, negativeInfinity: Self.nonFinite.negativeInfinity, nan: Self.nonFinite.nan)
    return Checkpoint.encode(header: try encoder.encode(header()), tensors: tensors())
  }

  /// The header of this state.
  func header() -> Header {
    func stream(_ random: RandomStream) -> Header.Stream { Header.Stream(key: random.key, position: random.position, splits: random.splits) }
    let averaged = parameters.allSatisfy { $0.average != nil } && !parameters.isEmpty
    return Header(
      owner: owner, iteration: iteration, adamStep: adamStep, dataStream: stream(streams.data), estimatorStream: stream(streams.estimator),
      lossWindow: lossWindow, elapsedSeconds: elapsedSeconds, row: row, metricRows: metricRows, averages: averaged ? .kept : .none,
      parameters: parameters.map { Header.ParameterEntry(name: $0.name, shape: $0.value.shape) },
      powerIterations: powerIterations.map { Header.PowerIterationEntry(layer: $0.layer, shapes: $0.vectors.map(\.shape)) },
      actNorms: actNorms)
  }

  /// The tensors in file order.
  func tensors() -> [Tensor] {
    var tensors = parameters.map(\.value) + parameters.map(\.firstMoment) + parameters.map(\.secondMoment)
    if header().averages == .kept { tensors += parameters.compactMap(\.average) }
    return tensors + powerIterations.flatMap(\.vectors)
  }

  /// Reads and verifies a checkpoint file's contents.
  /// - Throws: ``HarnessError/checkpointFormat(path:found:reads:)`` for a file of another format,
  ///   ``HarnessError/corruptCheckpoint(path:reason:)`` naming what else is wrong.
  public init(decoding data: Data, path: String) throws(HarnessError) {
    var file = try Checkpoint(decoding: data, path: path)
    let header = try Self.decodeHeader(file.header, path: path)
    func next(_ kind: String, _ entry: Header.ParameterEntry) throws(HarnessError) -> Tensor {
      try file.nextTensor("\(kind) of \(entry.name)", shape: entry.shape)
    }
    var values: [Tensor] = [], first: [Tensor] = [], second: [Tensor] = [], averages: [Tensor?] = header.parameters.map { _ in nil }
    for entry in header.parameters { values.append(try next("value", entry)) }
    for entry in header.parameters { first.append(try next("first moment", entry)) }
    for entry in header.parameters { second.append(try next("second moment", entry)) }
    if header.averages == .kept {
      for (index, entry) in header.parameters.enumerated() { averages[index] = try next("average", entry) }
    }
    var powerIterations: [PowerIterationState] = []
    for entry in header.powerIterations {
      var vectors: [Tensor] = []
      for shape in entry.shapes { vectors.append(try file.nextTensor("power-iteration vector of \(entry.layer)", shape: shape)) }
      powerIterations.append(PowerIterationState(layer: entry.layer, vectors: vectors))
    }
    try file.finish()
    let parameters = header.parameters.indices.map { index in
      ParameterState(
        name: header.parameters[index].name, value: values[index], firstMoment: first[index], secondMoment: second[index], average: averages[index])
    }
    self.init(header: header, parameters: parameters, powerIterations: powerIterations)
  }

  /// The state from a decoded header and the tensors read after it.
  init(header: Header, parameters: [ParameterState], powerIterations: [PowerIterationState]) {
    func stream(_ state: Header.Stream) -> RandomStream { RandomStream(key: state.key, position: state.position, splits: state.splits) }
    self.init(
      owner: header.owner, iteration: header.iteration, parameters: parameters, adamStep: header.adamStep,
      streams: Streams(data: stream(header.dataStream), estimator: stream(header.estimatorStream)), powerIterations: powerIterations,
      actNorms: header.actNorms, lossWindow: header.lossWindow, elapsedSeconds: header.elapsedSeconds, row: header.row, metricRows: header.metricRows)
  }

  /// The JSON header, or an error naming the file.
  static func decodeHeader(_ data: Data, path: String) throws(HarnessError) -> Header {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: nonFinite.infinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
    do { return try decoder.decode(Header.self, from: data) } catch {
      throw .corruptCheckpoint(path: path, reason: "unreadable header (\(DecodingFailure.describe(error)))")
    }
  }
}
