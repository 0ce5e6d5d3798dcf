/// One point of an expanded sweep.
public struct SweepPoint: Equatable {
  /// 0-based position in the expansion.
  public let index: Int
  /// The assignments that define it, one per axis, in axis order.
  public let assignments: [SpecOverride]
  /// A stable, readable identifier: `007-model.depth=4-model.growth=90`.
  public let runIdentifier: String
}
