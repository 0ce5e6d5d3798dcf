/// Comparison of reverse-mode gradients with central finite differences.
///
/// A function of several tensors with an output of any shape is reduced to the scalar
/// ⟨f(x), r⟩ with a fixed random tensor r, so the check covers the whole vector-Jacobian product,
/// not only one output. Finite differences use steps of ±`step` on a random subset of
/// coordinates of each input, in single precision, so tolerances are loose but a derivative off
/// by a few percent, a wrong sign or a missing term fails.
public enum GradientCheck {
  /// The outcome of one check.
  public struct Report: CustomStringConvertible {
    /// The worst |analytic − numeric| over the checked coordinates.
    public var maximumAbsoluteError: Float = 0
    /// The worst error relative to max(|analytic|, |numeric|, `absoluteTolerance`/`relativeTolerance`).
    public var maximumRelativeError: Float = 0
    /// Where the worst error occurred: (input index, flat coordinate, analytic, numeric).
    public var worst: (input: Int, coordinate: Int, analytic: Float, numeric: Float)? = nil
    /// The number of coordinates compared.
    public var checkedCoordinates = 0
    /// Whether every coordinate satisfied |a − n| ≤ absoluteTolerance + relativeTolerance·max(|a|, |n|).
    public var passed = true

    /// One line: pass or fail, the worst coordinate and the errors.
    public var description: String {
      let location = worst.map { "input \($0.input)[\($0.coordinate)]: analytic \($0.analytic), numeric \($0.numeric)" } ?? "none"
      return "\(passed ? "passed" : "FAILED") over \(checkedCoordinates) coordinates; worst at \(location); abs \(maximumAbsoluteError), rel \(maximumRelativeError)"
    }
  }

  /// Checks the gradient of `function` at `inputs`.
  ///
  /// - Parameters:
  ///   - inputs: the point; each becomes a variable requiring a gradient.
  ///   - coordinatesPerInput: how many coordinates of each input to perturb (all if fewer).
  ///   - step: the finite-difference half-width.
  ///   - absoluteTolerance, relativeTolerance: the pass criterion.
  ///   - seed: picks the projection tensor and the coordinates.
  ///   - function: builds the output from variables (it may itself differentiate, for
  ///     second-order checks).
  public static func check(
    inputs: [Tensor], coordinatesPerInput: Int = 24, step: Float = 1e-2,
    absoluteTolerance: Float = 2e-3, relativeTolerance: Float = 1e-2, seed: UInt64 = 0,
    function: ([Variable]) -> Variable
  ) -> Report {
    var stream = RandomStream(seed: seed)
    let probeShape = function(inputs.map { Variable($0) }).shape
    let projection = Variable(Tensor.randomNormal(shape: probeShape, stream: &stream))
    func objective(_ values: [Tensor]) -> Float {
      (function(values.map { Variable($0) }) * projection).sum().value.scalar
    }
    let variables = inputs.map { Variable($0, requiresGradient: true) }
    let analytic = Gradients.of((function(variables) * projection).sum(), withRespectTo: variables).map(\.value)

    var report = Report()
    for (inputIndex, input) in inputs.enumerated() {
      var coordinates = Array(0..<input.count)
      if coordinates.count > coordinatesPerInput {
        var chosen: [Int] = []
        var remaining = coordinates
        for _ in 0..<coordinatesPerInput {
          let pick = Int(stream.nextUniform() * Double(remaining.count))
          chosen.append(remaining.remove(at: pick))
        }
        coordinates = chosen
      }
      for coordinate in coordinates {
        var plus = inputs
        var minus = inputs
        plus[inputIndex][flat: coordinate] += step
        minus[inputIndex][flat: coordinate] -= step
        let numeric = (objective(plus) - objective(minus)) / (2 * step)
        let exact = analytic[inputIndex][flat: coordinate]
        let error = abs(exact - numeric)
        let scale = max(abs(exact), abs(numeric))
        let relative = error / max(scale, absoluteTolerance / relativeTolerance)
        report.checkedCoordinates += 1
        if error > absoluteTolerance + relativeTolerance * scale { report.passed = false }
        if relative > report.maximumRelativeError || report.worst == nil {
          report.maximumRelativeError = max(relative, report.maximumRelativeError)
          report.worst = (inputIndex, coordinate, exact, numeric)
        }
        report.maximumAbsoluteError = max(report.maximumAbsoluteError, error)
      }
    }
    return report
  }
}
