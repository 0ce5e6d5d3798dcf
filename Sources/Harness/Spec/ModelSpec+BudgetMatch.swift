/// Matching the growth of a dense model to another model's parameter count (`growth: {match: <model>}`).
extension ModelSpec {
  /// A copy whose growth is the one (among even growths for clipswish) that brings the parameter
  /// count closest to `target`; ties go to the smaller growth. The count grows monotonically with
  /// the growth, so doubling until the target is passed and then bisecting needs about 2·log₂(growth)
  /// one-block builds, none larger than twice the answer.
  ///
  /// A candidate whose ``parameterLowerBound(for:)`` is above twice the target is not built (it
  /// loses to the growth below it either way), so the builds stay within a few times the target.
  /// Counts are remembered in `counts`, shared by the plan.
  func matchingBudget(_ target: Int, data: DatasetSpec, counts: ParameterCounts) -> (spec: ModelSpec, parameters: Int) {
    let step = activation.widthMultiplier
    func count(_ growth: Int) -> Int {
      var candidate = self
      candidate.growth = .fixed(growth * step)
      if candidate.parameterLowerBound(for: data) > 2 * Double(target) { return Int.max / 4 }
      return counts.count(candidate, on: data)
    }
    var high = 1
    while count(high) < target && high < 65_536 / step { high *= 2 }
    var low = max(high / 2, 1)
    while low < high {
      let middle = (low + high) / 2
      if count(middle) < target { low = middle + 1 } else { high = middle }
    }
    let below = max(low - 1, 1)
    let best = abs(count(below) - target) <= abs(count(low) - target) ? below : low
    var resolved = self
    resolved.growth = .fixed(best * step)
    return (resolved, counts.count(resolved, on: data))
  }
}
