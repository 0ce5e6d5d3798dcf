import Foundation

/// A plain-text SVG document built element by element: figures need lines, circles, polygons
/// and text, written without any library. Coordinates are in pixels, y downwards.
struct SVGCanvas {
  /// The size in pixels.
  let width: Double, height: Double
  /// The elements, in drawing order.
  private(set) var elements: [String] = []

  /// The colours of a figure's rows (Okabe and Ito's palette, distinguishable with colour-blindness).
  static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

  /// A row's colour, cycling through ``palette``.
  static func colour(_ index: Int) -> String { palette[index % palette.count] }

  init(width: Double, height: Double) {
    self.width = width
    self.height = height
    elements.append("<rect x=\"0\" y=\"0\" width=\"\(SVGCanvas.number(width))\" height=\"\(SVGCanvas.number(height))\" fill=\"#ffffff\"/>")
  }

  /// A number as SVG writes it: at most two decimals, no trailing zeros.
  static func number(_ value: Double) -> String {
    var text = String(format: "%.2f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
  }

  /// `text` with the characters XML reserves escaped.
  static func escaped(_ text: String) -> String {
    var result = ""
    for character in text {
      switch character {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&apos;"
      case _ where character.isNewline: result += " "
      default: result.append(character)
      }
    }
    return result
  }

  /// A straight line; `dash` is an SVG `stroke-dasharray` (`6 4` dashed, `2 3` dotted).
  mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, colour: String, width: Double = 1, dash: String? = nil, opacity: Double = 1) {
    var element = "<line x1=\"\(SVGCanvas.number(x1))\" y1=\"\(SVGCanvas.number(y1))\" x2=\"\(SVGCanvas.number(x2))\" y2=\"\(SVGCanvas.number(y2))\" stroke=\"\(colour)\" stroke-width=\"\(SVGCanvas.number(width))\""
    if let dash { element += " stroke-dasharray=\"\(dash)\"" }
    if opacity < 1 { element += " stroke-opacity=\"\(SVGCanvas.number(opacity))\"" }
    elements.append(element + "/>")
  }

  /// A polyline through `points`.
  mutating func polyline(_ points: [(x: Double, y: Double)], colour: String, width: Double = 1.5, opacity: Double = 1) {
    let list = points.map { SVGCanvas.number($0.x) + "," + SVGCanvas.number($0.y) }.joined(separator: " ")
    var element = "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(SVGCanvas.number(width))\" stroke-linejoin=\"round\""
    if opacity < 1 { element += " stroke-opacity=\"\(SVGCanvas.number(opacity))\"" }
    elements.append(element + "/>")
  }

  /// A circle, filled with `fill` (or hollow with "none").
  mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, stroke: String? = nil) {
    let outline = stroke.map { " stroke=\"\($0)\" stroke-width=\"1.5\"" } ?? ""
    elements.append("<circle cx=\"\(SVGCanvas.number(x))\" cy=\"\(SVGCanvas.number(y))\" r=\"\(SVGCanvas.number(radius))\" fill=\"\(fill)\"\(outline)/>")
  }

  /// A diamond centred on (x, y), hollow, outlined in `colour`.
  mutating func diamond(_ x: Double, _ y: Double, size: Double, colour: String) {
    let points = [(x, y - size), (x + size, y), (x, y + size), (x - size, y)].map { SVGCanvas.number($0.0) + "," + SVGCanvas.number($0.1) }
    elements.append("<polygon points=\"\(points.joined(separator: " "))\" fill=\"#ffffff\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>")
  }

  /// Text at (x, y) (`anchor`: start, middle, end), optionally rotated about that point.
  mutating func text(_ content: String, _ x: Double, _ y: Double, size: Double = 12, anchor: String = "start", colour: String = "#222222", bold: Bool = false, rotation: Double? = nil) {
    var element = "<text x=\"\(SVGCanvas.number(x))\" y=\"\(SVGCanvas.number(y))\" font-size=\"\(SVGCanvas.number(size))\" text-anchor=\"\(anchor)\" fill=\"\(colour)\""
    if bold { element += " font-weight=\"bold\"" }
    if let rotation { element += " transform=\"rotate(\(SVGCanvas.number(rotation)) \(SVGCanvas.number(x)) \(SVGCanvas.number(y)))\"" }
    elements.append(element + ">\(SVGCanvas.escaped(content))</text>")
  }

  /// The document.
  var document: String {
    let header = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(SVGCanvas.number(width))\" height=\"\(SVGCanvas.number(height))\" viewBox=\"0 0 \(SVGCanvas.number(width)) \(SVGCanvas.number(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">"
    return ([header] + elements.map { "  " + $0 } + ["</svg>"]).joined(separator: "\n") + "\n"
  }
}
