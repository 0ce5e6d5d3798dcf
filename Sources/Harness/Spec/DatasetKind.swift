/// What kind of data a dataset definition names.
public enum DatasetKind: String, CaseIterable, Sendable {
  /// A 2-D toy distribution sampled fresh for every batch.
  case toy
  /// MNIST (IDX files).
  case mnist
  /// CIFAR10 (binary batches, or the python version unpacked or as its .tar.gz).
  case cifar10

  /// The image size of the standard dataset, nil for toy data.
  public var geometry: ImageGeometry? {
    switch self {
    case .toy: return nil
    case .mnist: return ImageGeometry(height: 28, width: 28, channels: 1)
    case .cifar10: return ImageGeometry(height: 32, width: 32, channels: 3)
    }
  }

  /// Images in the standard training set (60,000 MNIST, 50,000 CIFAR10), which fixes the
  /// iterations of an epoch; 0 for toy data.
  public var trainingImages: Int {
    switch self {
    case .toy: return 0
    case .mnist: return 60_000
    case .cifar10: return 50_000
    }
  }

  /// The environment variable that, when set, points at the data instead of the spec's `path`.
  public var environmentVariable: String? {
    switch self {
    case .toy: return nil
    case .mnist: return "MNIST_DIR"
    case .cifar10: return "CIFAR10_DIR"
    }
  }
}
