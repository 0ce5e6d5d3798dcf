import Foundation

/// The learning curves of one column: test NLL against iteration for every row and seed, the
/// paper's value of each row as a dashed line in the row's colour, the distribution's entropy
/// (the lowest NLL any model can reach) as a dotted line, with axes, ticks and a legend.
struct LearningCurveFigure {
  /// One row of the table on this column.
  struct Row {
    /// The row's label.
    var label: String
    /// Each seed's evaluations, `(iteration, test NLL)` in iteration order.
    var seeds: [(seed: UInt64, points: [(iteration: Int, value: Double)])]
    /// The paper's value.
    var paper: Double?
  }

  /// The column's label (`2 moons`).
  let title: String
  /// `nats` or `bits/dim`.
  let unit: String
  /// The rows, in table order.
  let rows: [Row]
  /// The entropy of the column's distribution (toy data).
  let entropy: Double?
  /// The training length, the end of the iteration axis when no curve goes further.
  let iterations: Int

  static let width = 760.0
  static let (left, right, top, bottom) = (76.0, 740.0, 44.0, 364.0)

  /// The height: the plot, then the legend below it, one entry per line.
  var height: Double { LearningCurveFigure.bottom + 66 + 20 * Double(rows.count + (entropy == nil ? 1 : 2)) + 14 }

  /// The SVG document.
  var svg: String {
    var canvas = SVGCanvas(width: LearningCurveFigure.width, height: height)
    let (left, right, top, bottom) = (LearningCurveFigure.left, LearningCurveFigure.right, LearningCurveFigure.top, LearningCurveFigure.bottom)
    let points = rows.flatMap { $0.seeds.flatMap(\.points) }
    let lastIteration = max(iterations, points.map(\.iteration).max() ?? 0, 1)
    let xAxis = AxisScale(covering: [0, Double(lastIteration)], from: left, to: right, tickCount: 6)
    let yValues = points.map(\.value) + rows.compactMap(\.paper) + (entropy.map { [$0] } ?? [])
    let yAxis = AxisScale(covering: yValues, from: bottom, to: top, tickCount: 7, padding: 0.03)

    canvas.text("\(title): test NLL during training", (left + right) / 2, 24, size: 15, anchor: "middle", bold: true)
    LearningCurveFigure.drawAxes(&canvas, x: xAxis, y: yAxis, box: (left, right, top, bottom))
    canvas.text("iteration", (left + right) / 2, bottom + 42, size: 13, anchor: "middle")
    canvas.text("test NLL (\(unit))", 20, (top + bottom) / 2, size: 13, anchor: "middle", rotation: -90)

    if let entropy {
      canvas.line(left, yAxis.position(entropy), right, yAxis.position(entropy), colour: "#555555", width: 1.5, dash: "2 3")
    }
    for (index, row) in rows.enumerated() {
      let colour = SVGCanvas.colour(index)
      if let paper = row.paper {
        canvas.line(left, yAxis.position(paper), right, yAxis.position(paper), colour: colour, width: 1.5, dash: "7 4")
      }
      for seed in row.seeds {
        let positions = seed.points.map { (x: xAxis.position(Double($0.iteration)), y: yAxis.position($0.value)) }
        if positions.count > 1 { canvas.polyline(positions, colour: colour, width: 1.5, opacity: row.seeds.count > 1 ? 0.75 : 1) }
        for position in positions { canvas.circle(position.x, position.y, radius: 2.5, fill: colour) }
      }
    }
    if points.isEmpty { canvas.text("no evaluations yet", (left + right) / 2, (top + bottom) / 2, size: 14, anchor: "middle", colour: "#777777") }
    drawLegend(&canvas, x: left, y: bottom + 72)
    return canvas.document
  }

  /// The legend below the plot: a solid line per row (with its seed count), then the dashed and dotted references.
  func drawLegend(_ canvas: inout SVGCanvas, x: Double, y: Double) {
    var line = y
    for (index, row) in rows.enumerated() {
      let colour = SVGCanvas.colour(index)
      canvas.line(x, line, x + 26, line, colour: colour, width: 2)
      canvas.circle(x + 13, line, radius: 2.5, fill: colour)
      let seeds = row.seeds.count > 1 ? " (\(row.seeds.count) seeds)" : ""
      canvas.text(row.label + seeds, x + 34, line + 4, size: 12)
      line += 20
    }
    line += 6
    canvas.line(x, line, x + 26, line, colour: "#555555", width: 1.5, dash: "7 4")
    canvas.text("paper's value (row colour)", x + 34, line + 4, size: 12)
    if entropy != nil {
      line += 20
      canvas.line(x, line, x + 26, line, colour: "#555555", width: 1.5, dash: "2 3")
      canvas.text("true entropy (lower bound)", x + 34, line + 4, size: 12)
    }
  }

  /// The frame, grid lines, ticks and tick labels of both axes.
  static func drawAxes(_ canvas: inout SVGCanvas, x: AxisScale, y: AxisScale, box: (left: Double, right: Double, top: Double, bottom: Double)) {
    for tick in y.ticks {
      let position = y.position(tick)
      canvas.line(box.left, position, box.right, position, colour: "#e4e4e4")
      canvas.line(box.left - 5, position, box.left, position, colour: "#222222")
      canvas.text(y.label(tick), box.left - 8, position + 4, size: 11, anchor: "end")
    }
    for tick in x.ticks {
      let position = x.position(tick)
      canvas.line(position, box.top, position, box.bottom, colour: "#e4e4e4")
      canvas.line(position, box.bottom, position, box.bottom + 5, colour: "#222222")
      canvas.text(x.label(tick), position, box.bottom + 19, size: 11, anchor: "middle")
    }
    canvas.line(box.left, box.bottom, box.right, box.bottom, colour: "#222222")
    canvas.line(box.left, box.top, box.left, box.bottom, colour: "#222222")
    canvas.line(box.right, box.top, box.right, box.bottom, colour: "#222222")
    canvas.line(box.left, box.top, box.right, box.top, colour: "#222222")
  }
}
