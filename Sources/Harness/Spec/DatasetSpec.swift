import Foundation

/// A named dataset: one column of a table (spec key `datasets.<name>`).
///
/// ```yaml
/// moons: {label: 2 moons, kind: toy, distribution: 2moons}
/// mnist:
///   label: MNIST
///   kind: mnist
///   path: data/mnist          # or set MNIST_DIR (CIFAR10_DIR for cifar10)
///   logit_alpha: 1.0e-6       # default 1e-6 for MNIST, 0.05 for CIFAR10
///   training: {epochs: 200, batch_size: 64}   # merged over the top-level training block
///   evaluation: {every: 5000}                 # merged over the top-level evaluation block
///   model: {coefficient: 0.93}                # merged over every model of this column
///   task: hybrid              # density (default) | classification | hybrid, for every model
///   density_weight: 1.0       # λ of the hybrid objective (default 1)
///   classifier_width: 256     # channels of each branch of the classification head (default 256)
/// ```
///
/// `model`, `training` and `evaluation` under a dataset apply to that column's runs only, key by
/// key over the model definitions and the top-level blocks (image columns train differently from
/// toy ones). A column's `task` is what its models are trained for (``ImageTask``; image data
/// only): `classification` and `hybrid` put a ``Flows/ClassificationHead`` on every model, and a
/// spec without the task keys resolves as before.
public struct DatasetSpec: Equatable, Sendable {
  /// The key under `datasets`.
  public var name: String
  /// The column label in tables.
  public var label: String
  /// The kind.
  public var kind: DatasetKind
  /// The toy distribution (kind `toy`).
  public var distribution: ToyDistribution?
  /// Where the files are (image kinds).
  public var path: String?
  /// α of the logit transform (image kinds).
  public var logitAlpha: Double
  /// What the column's models are trained for (`density` by default).
  public var task: ImageTask
  /// λ of the hybrid objective E[λ·log p(x) + log p(y|x)] (`density_weight`, default 1: the
  /// reference's default `--scale-dim False`; 1/D is its `--scale-dim True`).
  public var densityWeight: Double
  /// Channels of each branch of the classification head (`classifier_width`; the reference's
  /// `--cdim`, 256).
  public var classifierWidth: Int

  /// The keys allowed under `datasets.<name>`.
  public static let keys = [
    "label", "kind", "distribution", "path", "logit_alpha", "model", "training", "evaluation", "task", "density_weight", "classifier_width",
  ]

  /// Reads a dataset definition strictly.
  public init(name: String, node: SpecNode) throws {
    let mapping = try node.mapping(allowedKeys: DatasetSpec.keys)
    self.name = name
    label = try mapping.optional("label")?.string() ?? name
    kind = try mapping.required("kind").choice(DatasetKind.self)
    switch kind {
    case .toy:
      distribution = try mapping.required("distribution").choice(ToyDistribution.self)
      if let path = mapping.optional("path") { throw path.error("'path' does not apply to toy data (it is sampled, not read)") }
      if let alpha = mapping.optional("logit_alpha") { throw alpha.error("'logit_alpha' applies only to image data") }
      if let key = ["task", "density_weight", "classifier_width"].first(where: { mapping.optional($0) != nil }), let node = mapping.optional(key) {
        throw node.error("'\(key)' applies only to labelled image data (kind mnist or cifar10); toy data has no labels")
      }
      path = nil
      logitAlpha = 0
    case .mnist, .cifar10:
      if let distribution = mapping.optional("distribution") { throw distribution.error("'distribution' applies only to kind toy") }
      distribution = nil
      path = try mapping.optional("path")?.string()
      logitAlpha = try mapping.optional("logit_alpha")?.number(allowed: "in [0, 0.5)") { $0 >= 0 && $0 < 0.5 } ?? (kind == .mnist ? 1e-6 : 0.05)
    }
    (task, densityWeight, classifierWidth) = try DatasetSpec.taskSettings(mapping)
    if let model = mapping.optional("model") { _ = try model.mapping(allowedKeys: ModelSpec.overlayKeys) }
    if let training = mapping.optional("training") { _ = try training.mapping(allowedKeys: TrainingSpec.keys) }
    if let evaluation = mapping.optional("evaluation") { _ = try evaluation.mapping(allowedKeys: EvaluationSpec.keys) }
  }

  /// `task`, `density_weight` and `classifier_width`; the last two only with a task that uses them.
  static func taskSettings(_ mapping: SpecMapping) throws -> (task: ImageTask, densityWeight: Double, classifierWidth: Int) {
    let task = try mapping.optional("task")?.choice(ImageTask.self) ?? .density
    if !task.classifies, let width = mapping.optional("classifier_width") {
      throw width.error("'classifier_width' applies only to task classification or hybrid")
    }
    if task != .hybrid, let weight = mapping.optional("density_weight") {
      throw weight.error("'density_weight' applies only to task hybrid")
    }
    let weight = try mapping.optional("density_weight")?.number(allowed: "a weight in (0, 1000]") { $0 > 0 && $0 <= 1000 }
    let width = try mapping.optional("classifier_width")?.integer(in: 1...4096)
    return (task, weight ?? 1, width ?? 256)
  }

  /// Why the image files cannot be read, when their directory does not exist (nil for toy data
  /// and for an existing directory, whose files are checked when read).
  public var missingData: String? {
    guard kind != .toy else { return nil }
    var isDirectory: ObjCBool = false
    let path = resolvedPath()
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return nil }
    return "\(label) not found at \(path)"
  }

  /// The directory to read: `$MNIST_DIR` / `$CIFAR10_DIR` when set, else `path`, else
  /// `data/mnist` / ``cifar10Directory(under:)`` of `data` (relative to the working directory).
  public func resolvedPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    if let variable = kind.environmentVariable, let value = environment[variable], !value.isEmpty { return value }
    return path ?? (kind == .cifar10 ? DatasetSpec.cifar10Directory(under: "data") : "data/mnist")
  }

  /// The default CIFAR10 directory under `base`: `base/cifar-10-batches-bin` when it exists, else
  /// `base` itself when it holds the python version as torchvision leaves it
  /// (`cifar-10-batches-py/` or `cifar-10-python.tar.gz`), else `base/cifar-10-batches-bin`
  /// (which is then reported missing).
  public static func cifar10Directory(under base: String) -> String {
    let binary = base + "/cifar-10-batches-bin"
    if FileManager.default.fileExists(atPath: binary) { return binary }
    let python = ["cifar-10-batches-py", "cifar-10-python.tar.gz"].contains { FileManager.default.fileExists(atPath: base + "/" + $0) }
    return python ? base : binary
  }

  /// The unit of the table cells: nats for toy data, bits/dim for images.
  public var unit: String { kind == .toy ? "nats" : "bits/dim" }
}
