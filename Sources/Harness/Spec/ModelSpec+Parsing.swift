import FlowCore
import Flows

/// Reading the parts of a model definition that take more than one line.
extension ModelSpec {
  /// `gradient` values.
  enum GradientChoice: String, CaseIterable {
    case backpropagation
    case neumann
    var value: LogDeterminantGradient { self == .backpropagation ? .backpropagation : .neumannSeries }
  }

  /// The training estimator of a family when none is given: 5 power-series terms for i-ResNets,
  /// else a geometric(0.5) Russian roulette with 2 exact terms (the toy references).
  static func defaultEstimator(_ family: ModelFamily) -> LogDeterminantEstimator {
    family == .iresnet ? .powerSeries(terms: 5) : .russianRoulette(.geometric(0.5), exactTerms: 2, samples: 1)
  }

  /// `power_iterations: {training, evaluation}`, each 5 and 200 by default.
  static func powerIterations(_ node: SpecNode?) throws -> (training: PowerIteration, evaluation: PowerIteration) {
    guard let node else { return (.iterations(5), .iterations(200)) }
    let iterations = try node.mapping(allowedKeys: ["training", "evaluation"])
    return (
      try iterations.optional("training").map(ModelSpec.powerIteration) ?? .iterations(5),
      try iterations.optional("evaluation").map(ModelSpec.powerIteration) ?? .iterations(200)
    )
  }

  /// A count of iterations (`5`), or `{tolerance: 1.0e-3, maximum: 200}` (iterate until u and v
  /// change by less than the tolerance, absolute and relative, as the image reference).
  static func powerIteration(_ node: SpecNode) throws -> PowerIteration {
    if case .mapping = node.node {
      let mapping = try node.mapping(allowedKeys: ["tolerance", "maximum"])
      let tolerance = try mapping.required("tolerance").number(allowed: "> 0") { $0 > 0 }
      let maximum = try mapping.optional("maximum")?.integer(in: 1...10_000) ?? 200
      return .tolerance(absolute: Float(tolerance), relative: Float(tolerance), maximumIterations: maximum)
    }
    return .iterations(try node.integer(in: 0...10_000))
  }

  /// The keys each estimator kind takes.
  static func estimatorKeys(_ kind: EstimatorKind) -> [String] {
    switch kind {
    case .exact: return ["kind"]
    case .powerSeries: return ["kind", "terms"]
    case .russianRoulette: return ["kind", "distribution", "parameter", "exact_terms", "samples"]
    }
  }

  /// `estimator: {kind, ...}`, with the keys of its kind only.
  static func estimator(_ node: SpecNode) throws -> LogDeterminantEstimator {
    let mapping = try node.mapping(allowedKeys: ["kind", "terms", "distribution", "parameter", "exact_terms", "samples"])
    let kind = try mapping.required("kind").choice(EstimatorKind.self)
    let allowed = estimatorKeys(kind)
    if let key = mapping.keys.first(where: { !allowed.contains($0) }), let value = mapping.optional(key) {
      throw value.error("'\(key)' does not apply to estimator \(kind.rawValue); its keys are \(allowed.joined(separator: ", "))")
    }
    switch kind {
    case .exact:
      return .exactJacobian
    case .powerSeries:
      return .powerSeries(terms: try mapping.optional("terms")?.integer(in: 1...100) ?? 5)
    case .russianRoulette:
      let distribution = try mapping.optional("distribution")?.choice(TermDistributionKind.self) ?? .geometric
      let terms: TermDistribution
      switch distribution {
      case .geometric:
        let allowed = "a probability in [0.01, 1) (1/p is the expected number of terms)"
        terms = .geometric(try mapping.optional("parameter")?.number(allowed: allowed) { $0 >= 0.01 && $0 < 1 } ?? 0.5)
      case .poisson:
        terms = .poisson(try mapping.optional("parameter")?.number(allowed: "a rate in (0, 50] (the expected number of terms)") { $0 > 0 && $0 <= 50 } ?? 2)
      }
      return .russianRoulette(
        terms, exactTerms: try mapping.optional("exact_terms")?.integer(in: 0...100) ?? 2,
        samples: try mapping.optional("samples")?.integer(in: 1...100) ?? 1)
    }
  }
}
