import FlowCore
import Flows

/// Figures of image models: a grid of samples x = f⁻¹(z), z ~ N(0, I) (the paper's Figures 4/5).
public enum ImageFigures {
  /// `rows × columns` samples, each image scaled up `scale` times, 2 white pixels between them;
  /// grey for one channel, RGB for three.
  /// - Throws: ``FlowError/inverseDidNotConverge(block:iterations:residual:)``.
  public static func sampleGrid(
    model: SequentialFlow, geometry: ImageGeometry, seed: UInt64, rows: Int = 8, columns: Int = 8, scale: Int = 2
  ) throws -> PNGImage {
    var random = RandomStream(seed: seed)
    let count = rows * columns
    let latent = Tensor.randomNormal(shape: latentShape(of: model, geometry: geometry, count: count), stream: &random)
    let images = try model.inverse(latent)
    let gap = 2
    let (cellWidth, cellHeight) = (geometry.width * scale, geometry.height * scale)
    var figure = PNGImage(width: columns * (cellWidth + gap) - gap, height: rows * (cellHeight + gap) - gap)
    let size = geometry.dimension
    for index in 0..<count {
      let (row, column) = (index / columns, index % columns)
      for y in 0..<cellHeight {
        for x in 0..<cellWidth {
          let base = index * size + ((y / scale) * geometry.width + x / scale) * geometry.channels
          func byte(_ channel: Int) -> UInt8 {
            let value = images[flat: base + min(channel, geometry.channels - 1)]
            return UInt8((min(max(value.isFinite ? value : 0, 0), 1) * 255).rounded())
          }
          figure.set(x: column * (cellWidth + gap) + x, y: row * (cellHeight + gap) + y, (byte(0), byte(1), byte(2)))
        }
      }
    }
    return figure
  }

  /// The shape of z for `count` images: the shape after every squeeze of the model.
  static func latentShape(of model: SequentialFlow, geometry: ImageGeometry, count: Int) -> [Int] {
    var (height, width, channels) = (geometry.height, geometry.width, geometry.channels)
    for flow in model.flows where flow is SqueezeFlow { (height, width, channels) = (height / 2, width / 2, channels * 4) }
    return [count, height, width, channels]
  }
}
