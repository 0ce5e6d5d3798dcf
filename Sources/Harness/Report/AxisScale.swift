import Foundation

/// A linear axis of a figure: a data range mapped onto a pixel range, with round tick values.
struct AxisScale {
  /// The data range shown (already widened to whole ticks).
  let lower: Double, upper: Double
  /// The pixel positions of `lower` and `upper` (for a vertical axis `start` is the bottom).
  let start: Double, end: Double
  /// The tick values, ascending, within the range.
  let ticks: [Double]
  /// The distance between ticks.
  let step: Double

  /// An axis covering `values` (at least one finite value, else 0...1) with about `tickCount`
  /// ticks at 1, 2, 2.5 or 5 times a power of ten, the range widened by `padding` (a fraction of
  /// it) on each side, so that no mark sits on the frame, and then to the nearest ticks.
  init(covering values: [Double], from start: Double, to end: Double, tickCount: Int = 6, includingZero: Bool = false, padding: Double = 0) {
    var finite = values.filter(\.isFinite)
    if includingZero { finite.append(0) }
    var low = finite.min() ?? 0, high = finite.max() ?? 1
    if high - low < 1e-9 * max(1, abs(high)) {
      let pad = max(abs(high) * 0.01, 0.01)
      (low, high) = (low - pad, high + pad)
    }
    let margin = (high - low) * padding
    (low, high) = (includingZero && low == 0 ? 0 : low - margin, high + margin)
    let step = AxisScale.niceStep((high - low) / Double(max(tickCount - 1, 1)))
    let lower = (low / step).rounded(.down) * step, upper = (high / step).rounded(.up) * step
    let count = Int(((upper - lower) / step).rounded())
    self.lower = lower
    self.upper = upper
    self.step = step
    self.start = start
    self.end = end
    ticks = (0...count).map { lower + Double($0) * step }
  }

  /// The smallest of 1, 2, 2.5, 5 × 10^k that is at least `raw`.
  static func niceStep(_ raw: Double) -> Double {
    guard raw > 0, raw.isFinite else { return 1 }
    let power = pow(10, (log10(raw)).rounded(.down))
    for factor in [1.0, 2, 2.5, 5, 10] where factor * power >= raw * (1 - 1e-9) { return factor * power }
    return 10 * power
  }

  /// The pixel position of `value`.
  func position(_ value: Double) -> Double {
    start + (value - lower) / (upper - lower) * (end - start)
  }

  /// A tick's label: as many decimals as the step needs, `12,000`-style thousands for whole numbers.
  func label(_ value: Double) -> String {
    let power = Int(log10(step).rounded(.down))
    let factor = (step / pow(10, Double(power)) * 10).rounded() / 10
    let decimals = max(0, -power + (factor == 2.5 ? 1 : 0))
    if decimals == 0 { return AxisScale.grouped(Int(value.rounded())) }
    return String(format: "%.\(decimals)f", value)
  }

  /// A whole number with commas between thousands: `12,000`.
  static func grouped(_ whole: Int) -> String {
    let digits = String(whole.magnitude)
    var grouped = ""
    for (index, character) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
      grouped.append(character)
    }
    return (whole < 0 ? "-" : "") + grouped
  }
}
