import Foundation

/// The order p ∈ [1, ∞] of a vector norm ‖x‖_p = (Σ|xᵢ|ᵖ)^{1/p} (‖x‖_∞ = max|xᵢ|): the domain or
/// codomain of a Lipschitz layer (Chen et al. 2019, §3.4, "induced mixed norms").
public struct NormOrder: Sendable, Equatable, CustomStringConvertible {
  /// p, in [1, ∞] (`Float.infinity` for ∞).
  public let exponent: Float

  /// p = 1.
  public static let one = NormOrder(exponent: 1)
  /// p = 2, the Euclidean norm (the spectral norm as the induced 2 → 2 norm).
  public static let two = NormOrder(exponent: 2)
  /// p = ∞.
  public static let infinity = NormOrder(exponent: .infinity)

  /// An order p ≥ 1 (∞ allowed).
  public init(exponent: Float) {
    precondition(exponent >= 1, "A norm order must be at least 1, got \(exponent)")
    self.exponent = exponent
  }

  /// The order of one character of the reference's `vnorms` string: a digit 1…9 is that p and
  /// `f` is ∞; nil for anything else.
  public init?(vnormsCharacter character: Character) {
    if character == "f" {
      self = .infinity
    } else if let digit = character.wholeNumberValue, character.isASCII, (1...9).contains(digit) {
      self.init(exponent: Float(digit))
    } else {
      return nil
    }
  }

  /// The Hölder conjugate p* with 1/p + 1/p* = 1 (1* = ∞, ∞* = 1): ‖·‖_{p*} is the dual norm.
  public var conjugate: NormOrder {
    if exponent == 1 { return .infinity }
    if exponent == .infinity { return .one }
    return NormOrder(exponent: exponent / (exponent - 1))
  }

  /// ‖values‖_p, in double precision.
  public func norm(_ values: [Float]) -> Double {
    if exponent == .infinity { return values.reduce(0) { max($0, Double(abs($1))) } }
    let largest = values.reduce(0) { max($0, Double(abs($1))) }
    guard largest > 0 else { return 0 }
    let p = Double(exponent)
    return largest * pow(values.reduce(0) { $0 + pow(Double(abs($1)) / largest, p) }, 1 / p)
  }

  /// `1`…`9`, `f` for ∞, or the decimal value for other orders.
  public var description: String {
    if exponent == .infinity { return "f" }
    if exponent == exponent.rounded() { return String(Int(exponent)) }
    return String(exponent)
  }
}
