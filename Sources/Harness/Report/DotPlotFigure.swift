import Foundation

/// The whole table as a dot plot beside the paper's values: one panel per column (each with its
/// own axis and unit), one line per row; ours as a dot with its 95 % interval (over seeds, or
/// from the test samples for a single seed), the paper's value as a hollow diamond, the entropy
/// as a dotted line.
struct DotPlotFigure {
  /// One row of a panel.
  struct Row {
    /// The row's label.
    var label: String
    /// Our value (the mean over seeds), nil when no run completed.
    var value: Double?
    /// Its 95 % interval.
    var interval: ClosedRange<Double>?
    /// The paper's value.
    var paper: Double?
  }

  /// One column of the table.
  struct Panel {
    /// The column's label and unit.
    var title: String, unit: String
    /// The entropy (toy data).
    var entropy: Double?
    /// The rows, in table order.
    var rows: [Row]
  }

  /// The figure's title.
  let title: String
  /// What the intervals are.
  let intervalNote: String
  /// The panels, in column order.
  let panels: [Panel]

  static let width = 760.0
  static let (labelRight, plotLeft, plotRight) = (262.0, 274.0, 730.0)
  static let (rowHeight, panelHead, panelFoot, gap) = (24.0, 26.0, 40.0, 18.0)
  static let top = 96.0

  /// The height: the legend, then each panel.
  var height: Double {
    DotPlotFigure.top + panels.reduce(0) { $0 + DotPlotFigure.panelHead + DotPlotFigure.rowHeight * Double($1.rows.count) + DotPlotFigure.panelFoot + DotPlotFigure.gap }
  }

  /// The SVG document.
  var svg: String {
    var canvas = SVGCanvas(width: DotPlotFigure.width, height: height)
    canvas.text(title, DotPlotFigure.width / 2, 24, size: 15, anchor: "middle", bold: true)
    drawLegend(&canvas, y: 50)
    var y = DotPlotFigure.top
    for panel in panels {
      drawPanel(panel, on: &canvas, top: y)
      y += DotPlotFigure.panelHead + DotPlotFigure.rowHeight * Double(panel.rows.count) + DotPlotFigure.panelFoot + DotPlotFigure.gap
    }
    return canvas.document
  }

  /// The legend: ours, the paper's, the entropy, and what the intervals are.
  func drawLegend(_ canvas: inout SVGCanvas, y: Double) {
    let x = 40.0
    canvas.line(x, y, x + 24, y, colour: SVGCanvas.colour(0), width: 2)
    canvas.circle(x + 12, y, radius: 4.5, fill: SVGCanvas.colour(0))
    canvas.text("ours: " + intervalNote, x + 32, y + 4, size: 12)
    canvas.diamond(x + 12, y + 22, size: 5.5, colour: "#222222")
    canvas.text("paper", x + 32, y + 26, size: 12)
    canvas.line(x + 150, y + 22, x + 174, y + 22, colour: "#555555", width: 1.5, dash: "2 3")
    canvas.text("true entropy (lower bound)", x + 182, y + 26, size: 12)
    canvas.text("lower is better", DotPlotFigure.plotRight, y + 26, size: 12, anchor: "end", colour: "#555555")
  }

  /// One panel with its top edge at `top`.
  func drawPanel(_ panel: Panel, on canvas: inout SVGCanvas, top: Double) {
    let rowsTop = top + DotPlotFigure.panelHead
    let bottom = rowsTop + DotPlotFigure.rowHeight * Double(panel.rows.count)
    var values: [Double] = panel.entropy.map { [$0] } ?? []
    for row in panel.rows {
      values += [row.value, row.paper, row.interval?.lowerBound, row.interval?.upperBound].compactMap { $0 }
    }
    let axis = AxisScale(covering: values, from: DotPlotFigure.plotLeft, to: DotPlotFigure.plotRight, tickCount: 6, padding: 0.04)
    canvas.text("\(panel.title) (\(panel.unit))", DotPlotFigure.plotLeft, top + 16, size: 13, bold: true)
    for tick in axis.ticks {
      let x = axis.position(tick)
      canvas.line(x, rowsTop, x, bottom, colour: "#e4e4e4")
      canvas.line(x, bottom, x, bottom + 5, colour: "#222222")
      canvas.text(axis.label(tick), x, bottom + 18, size: 11, anchor: "middle")
    }
    canvas.line(DotPlotFigure.plotLeft, bottom, DotPlotFigure.plotRight, bottom, colour: "#222222")
    canvas.line(DotPlotFigure.plotLeft, rowsTop, DotPlotFigure.plotLeft, bottom, colour: "#222222")
    canvas.text("test NLL (\(panel.unit))", (DotPlotFigure.plotLeft + DotPlotFigure.plotRight) / 2, bottom + 34, size: 12, anchor: "middle")
    if let entropy = panel.entropy {
      canvas.line(axis.position(entropy), rowsTop, axis.position(entropy), bottom, colour: "#555555", width: 1.5, dash: "2 3")
    }
    for (index, row) in panel.rows.enumerated() {
      let y = rowsTop + DotPlotFigure.rowHeight * (Double(index) + 0.5)
      let colour = SVGCanvas.colour(index)
      canvas.text(row.value == nil ? row.label + " (no result yet)" : row.label, DotPlotFigure.labelRight, y + 4, size: 12, anchor: "end", colour: row.value == nil ? "#777777" : "#222222")
      if let interval = row.interval {
        canvas.line(axis.position(interval.lowerBound), y, axis.position(interval.upperBound), y, colour: colour, width: 2)
        for end in [interval.lowerBound, interval.upperBound] { canvas.line(axis.position(end), y - 4, axis.position(end), y + 4, colour: colour, width: 2) }
      }
      if let paper = row.paper { canvas.diamond(axis.position(paper), y, size: 5.5, colour: "#222222") }
      if let value = row.value { canvas.circle(axis.position(value), y, radius: 4.5, fill: colour) }
    }
  }
}
