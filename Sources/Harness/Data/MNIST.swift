import Foundation

/// MNIST: 28×28 grey-scale digits in IDX files, each plain or gzipped (`<name>` or `<name>.gz`).
public enum MNIST {
  /// The file names of the four IDX files, without `.gz`.
  public static let fileNames = (
    trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
    testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte"
  )

  /// Reads one split from `directory`, preferring an uncompressed file to its `.gz`.
  /// - Throws: ``ImageDataError/missing(path:what:)`` for a missing file (the path without
  ///   `.gz`), ``ImageDataError/malformed(path:reason:)`` for a file of the wrong shape.
  public static func load(directory: String, split: ImageSplit) throws -> ImageDataset {
    let imagesName = split == .training ? fileNames.trainImages : fileNames.testImages
    let labelsName = split == .training ? fileNames.trainLabels : fileNames.testLabels
    let imagesPath = try locate(imagesName, in: directory, what: "MNIST \(split.rawValue) images")
    let labelsPath = try locate(labelsName, in: directory, what: "MNIST \(split.rawValue) labels")
    let images = try IDXFile.read(path: imagesPath)
    guard images.dimensions.count == 3 else {
      throw ImageDataError.malformed(
        path: imagesPath, reason: "expected 3-D images [count, height, width], found dimensions \(images.dimensions)")
    }
    let labels = try IDXFile.read(path: labelsPath)
    guard labels.dimensions.count == 1 else {
      throw ImageDataError.malformed(path: labelsPath, reason: "expected 1-D labels [count], found dimensions \(labels.dimensions)")
    }
    let count = images.dimensions[0]
    guard labels.dimensions[0] == count else {
      throw ImageDataError.malformed(
        path: labelsPath, reason: "has \(labels.dimensions[0]) labels but \(imagesPath) has \(count) images")
    }
    if let index = labels.bytes.firstIndex(where: { $0 > 9 }) {
      throw ImageDataError.malformed(path: labelsPath, reason: "label \(labels.bytes[index]) of image \(index) is outside 0...9")
    }
    return ImageDataset(
      name: "MNIST \(split.rawValue) set", count: count, height: images.dimensions[1], width: images.dimensions[2], channels: 1,
      pixels: images.bytes, labels: labels.bytes)
  }

  /// The path of `name` or `name.gz` in `directory`, the plain one first.
  static func locate(_ name: String, in directory: String, what: String) throws -> String {
    let path = joinedPath(directory, name)
    for candidate in [path, path + ".gz"] where FileManager.default.fileExists(atPath: candidate) {
      return candidate
    }
    throw ImageDataError.missing(path: path, what: "\(what); run `make data` or set MNIST_DIR / the dataset's path")
  }
}
