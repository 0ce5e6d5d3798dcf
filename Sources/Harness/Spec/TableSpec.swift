/// The layout of a spec's report (spec key `table`): which models are rows, which datasets are
/// columns, and the published values to compare with.
///
/// ```yaml
/// table:
///   title: Table 1 of Perugachi-Diaz et al. (2021)
///   rows: [resflow, idensenet, idensenet-lc]
///   columns: [circles, checkerboard, moons, mnist, cifar10]
///   reference:
///     resflow: {circles: 3.44, checkerboard: 3.81, moons: 2.60, mnist: 1.08, cifar10: 3.42}
/// ```
public struct TableSpec: Equatable, Sendable {
  /// The heading of the report.
  public var title: String
  /// Model names, top to bottom.
  public var rows: [String]
  /// Dataset names, left to right.
  public var columns: [String]
  /// Published values: `reference[model][dataset]`.
  public var reference: [String: [String: Double]]
  /// Where the published values come from.
  public var referenceSource: String?

  /// The keys allowed under `table`.
  public static let keys = ["title", "rows", "columns", "reference", "reference_source"]

  /// Reads the table block; every row must name a model and every column a dataset.
  public init(node: SpecNode, models: [String], datasets: [String]) throws {
    let mapping = try node.mapping(allowedKeys: TableSpec.keys)
    title = try mapping.optional("title")?.string() ?? "Results"
    rows = try TableSpec.names(try mapping.required("rows"), among: models, what: "models")
    columns = try TableSpec.names(try mapping.required("columns"), among: datasets, what: "datasets")
    reference = [:]
    referenceSource = try mapping.optional("reference_source")?.string()
    if let referenceNode = mapping.optional("reference") {
      let byModel = try referenceNode.mapping(allowedKeys: rows)
      for model in byModel.keys {
        let cells = try byModel.required(model).mapping(allowedKeys: columns)
        for dataset in cells.keys {
          reference[model, default: [:]][dataset] = try cells.required(dataset).number(allowed: "a number")
        }
      }
    }
  }

  static func names(_ node: SpecNode, among allowed: [String], what: String) throws -> [String] {
    let items = try node.sequence()
    guard !items.isEmpty else { throw node.error("expected at least one of the \(what): \(allowed.joined(separator: ", "))") }
    var seen: Set<String> = []
    return try items.map { item in
      let name = try item.string()
      guard allowed.contains(name) else {
        throw item.error(
          "'\(name)' is not one of the \(what) defined in this spec: \(allowed.joined(separator: ", "))" + Suggestion.didYouMean(name, among: allowed))
      }
      guard seen.insert(name).inserted else { throw item.error("'\(name)' is listed twice") }
      return name
    }
  }
}
