import FlowCore
import Flows
import Foundation

/// The toy figures: data beside learned density and model samples on [−4, 4]² (the paper's
/// Figure 2a), and the learned concatenation weights η̂ per block and layer (Figure 3).
public enum ToyFigures {
  /// Half-width of the square shown.
  public static let extent: Double = 4

  /// Three 200×200 panels separated by 4 white pixels: a histogram of 100,000 data samples, the
  /// model density exp(log p) at each pixel centre (exact log-det), and a histogram of 10,000
  /// samples x = f⁻¹(z). Colours are scaled to each panel's maximum.
  /// - Throws: ``FlowError/inverseDidNotConverge(block:iterations:residual:)`` from sampling.
  public static func densityFigure(model: SequentialFlow, distribution: ToyDistribution, seed: UInt64) throws -> PNGImage {
    let panel = 200
    var random = RandomStream(seed: seed)
    var figure = PNGImage(width: 3 * panel + 8, height: panel)
    let data = distribution.sample(count: 100_000, random: &random)
    figure.draw(histogram(data, bins: 100, pixelsPerBin: 2), x: 0, y: 0)

    var grid = [Float]()
    grid.reserveCapacity(panel * panel * 2)
    for row in 0..<panel {
      for column in 0..<panel {
        grid.append(Float(-extent + (Double(column) + 0.5) * 2 * extent / Double(panel)))
        grid.append(Float(extent - (Double(row) + 0.5) * 2 * extent / Double(panel)))
      }
    }
    let densities = ToyEvaluation.logLikelihoods(of: model, at: Tensor(shape: [panel * panel, 2], scalars: grid), random: &random).map { exp($0) }
    let largest = densities.filter(\.isFinite).max() ?? 1
    var density = PNGImage(width: panel, height: panel)
    for row in 0..<panel {
      for column in 0..<panel { density.set(x: column, y: row, ColorMap.color(densities[row * panel + column] / max(largest, 1e-30))) }
    }
    figure.draw(density, x: panel + 4, y: 0)

    let samples = try model.sample(count: 10_000, latentShape: [2], random: &random)
    figure.draw(histogram(samples, bins: 100, pixelsPerBin: 2), x: 2 * panel + 8, y: 0)
    return figure
  }

  /// A 2-D histogram of `points` `[n, 2]` over [−4, 4]², brightness ∝ √(count / max count).
  static func histogram(_ points: Tensor, bins: Int, pixelsPerBin: Int) -> PNGImage {
    var counts = [Double](repeating: 0, count: bins * bins)
    let scalars = points.scalars
    for index in 0..<points.shape[0] {
      let (x, y) = (Double(scalars[2 * index]), Double(scalars[2 * index + 1]))
      let column = Int(((x + extent) / (2 * extent) * Double(bins)).rounded(.down))
      let row = Int(((extent - y) / (2 * extent) * Double(bins)).rounded(.down))
      guard (0..<bins).contains(column), (0..<bins).contains(row) else { continue }
      counts[row * bins + column] += 1
    }
    let largest = max(counts.max() ?? 1, 1)
    return ColorMap.heatmap(counts.map { ($0 / largest).squareRoot() }, rows: bins, columns: bins, range: 0...1, cell: pixelsPerBin)
  }

  /// The learned concatenation weights of every dense layer: `[block][layer] = (η̂₁, η̂₂)`; empty
  /// for models without dense branches.
  public static func concatenationWeights(of model: SequentialFlow) -> [[(Float, Float)]] {
    model.flows.map(\.concatenationWeightValues).filter { !$0.isEmpty }
  }

  /// Two heatmaps side by side, η̂₁ (left) and η̂₂ (right): one row per dense layer, one column
  /// per block (image models: scale 0's blocks first, the fully connected blocks last), 24-pixel cells, colours from 0 to the concatenation coefficient c.
  public static func concatenationFigure(_ weights: [[(Float, Float)]], coefficient: Double) -> PNGImage? {
    guard let layers = weights.map(\.count).max(), layers > 0 else { return nil }
    let blocks = weights.count
    func value(_ block: Int, _ layer: Int, _ pick: ((Float, Float)) -> Float) -> Double {
      weights[block].indices.contains(layer) ? Double(pick(weights[block][layer])) : .nan
    }
    let first = (0..<layers).flatMap { layer in (0..<blocks).map { value($0, layer) { $0.0 } } }
    let second = (0..<layers).flatMap { layer in (0..<blocks).map { value($0, layer) { $0.1 } } }
    let left = ColorMap.heatmap(first, rows: layers, columns: blocks, range: 0...coefficient, cell: 24)
    let right = ColorMap.heatmap(second, rows: layers, columns: blocks, range: 0...coefficient, cell: 24)
    var figure = PNGImage(width: 2 * left.width + 12, height: left.height)
    figure.draw(left, x: 0, y: 0)
    figure.draw(right, x: left.width + 12, y: 0)
    return figure
  }
}
