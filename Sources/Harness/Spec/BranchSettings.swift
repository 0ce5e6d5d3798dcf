import FlowCore
import Flows

/// The keys of `models.<name>` that depend on the family's residual branch: hidden widths and the
/// last layer for perceptron families (iresnet, resflow), depth, growth and concatenation for
/// i-DenseNets. Each family's keys are refused on the other.
struct BranchSettings {
  /// Hidden widths of a perceptron branch (empty for i-DenseNets).
  var hidden: [Int] = []
  /// Dense layers per block (0 for perceptron families).
  var depth = 0
  /// Features added per dense layer (`.fixed(0)` for perceptron families).
  var growth = GrowthSpec.fixed(0)
  /// The concatenation coefficient (0 for perceptron families).
  var concatenationCoefficient = 0.0
  /// Fixed or learnable concatenation weights.
  var concatenation = Concatenation.fixed
  /// The last layer of a perceptron branch (`.standard` for i-DenseNets).
  var lastLayer = LastLayerInitialization.standard

  /// The keys of perceptron branches.
  static let perceptronKeys = ["hidden", "last_layer"]
  /// The keys of dense branches.
  static let denseKeys = ["depth", "growth", "concatenation"]

  /// Reads the branch keys of a model of `family` from `mapping`.
  init(_ mapping: SpecMapping, family: ModelFamily) throws {
    let (own, foreign) = family == .idensenet ? (Self.denseKeys, Self.perceptronKeys) : (Self.perceptronKeys, Self.denseKeys)
    if let key = foreign.first(where: { mapping.optional($0) != nil }), let value = mapping.optional(key) {
      throw value.error("'\(key)' does not apply to family \(family.rawValue); its keys are \(own.joined(separator: ", "))")
    }
    if family == .idensenet {
      try readDense(mapping)
    } else {
      try readPerceptron(mapping, family: family)
    }
  }

  /// `hidden` (at least one width) and `last_layer` (near zero by default for Residual Flows).
  private mutating func readPerceptron(_ mapping: SpecMapping, family: ModelFamily) throws {
    let widths = try mapping.required("hidden").sequence()
    guard !widths.isEmpty else { throw try mapping.required("hidden").error("expected at least one hidden width") }
    hidden = try widths.map { try $0.integer(in: 1...65_536) }
    if let node = mapping.optional("last_layer") {
      lastLayer = try node.choice(LastLayerChoice.self).value
    } else {
      lastLayer = family == .resflow ? .nearZero : .standard
    }
  }

  /// `depth`, `growth` (a number or `{match: <model>}`) and `concatenation`.
  private mutating func readDense(_ mapping: SpecMapping) throws {
    depth = try mapping.required("depth").integer(in: 1...64)
    let growthNode = try mapping.required("growth")
    if case .mapping = growthNode.node {
      growth = .matchingBudget(of: try growthNode.mapping(allowedKeys: ["match"]).required("match").string())
    } else {
      growth = .fixed(try growthNode.integer(in: 1...65_536))
    }
    let concatenationMapping = try mapping.required("concatenation").mapping(allowedKeys: ["coefficient", "learnable", "start"])
    concatenationCoefficient = try concatenationMapping.required("coefficient").number(allowed: "in (0, 1)") { $0 > 0 && $0 < 1 }
    if try concatenationMapping.optional("learnable")?.boolean() ?? false {
      concatenation = .learnable(startIteration: try concatenationMapping.optional("start")?.integer(in: 0...Int.max) ?? 0)
    } else {
      if let start = concatenationMapping.optional("start") { throw start.error("'start' applies only with learnable: true") }
      concatenation = .fixed
    }
  }
}

/// `last_layer` values.
enum LastLayerChoice: String, CaseIterable {
  case nearZero = "near_zero"
  case standard

  /// The initialisation it names.
  var value: LastLayerInitialization { self == .nearZero ? .nearZero : .standard }
}
