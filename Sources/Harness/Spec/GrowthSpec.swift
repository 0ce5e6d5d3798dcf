/// How the growth of a dense branch is given: a number, or "whatever makes the parameter count
/// closest to that of another model" (the paper compares at equal budgets).
public enum GrowthSpec: Equatable, Sendable {
  /// A fixed growth.
  case fixed(Int)
  /// The growth whose total parameter count is closest to the named model's.
  case matchingBudget(of: String)
}
