/// Quantiles of Student's t distribution for two-sided 95 % intervals.
public enum StudentT {
  /// t₀.₉₇₅ for 1 to 30 degrees of freedom (the standard table, to 4 decimals; Abramowitz and
  /// Stegun, Table 26.10).
  static let table975: [Double] = [
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
  ]

  /// The 0.975 quantile of the standard normal distribution.
  static let normal975 = 1.959963984540054

  /// The 0.975 quantile of t with `degreesOfFreedom` (≥ 1) degrees of freedom: from the table up
  /// to 30, beyond it the Cornish-Fisher expansion in 1/ν (within 1e-4 of the exact value there).
  public static func quantile975(degreesOfFreedom: Int) -> Double {
    precondition(degreesOfFreedom >= 1, "A t quantile needs at least one degree of freedom")
    if degreesOfFreedom <= table975.count { return table975[degreesOfFreedom - 1] }
    let z = normal975
    let nu = Double(degreesOfFreedom)
    let (z3, z5, z7) = (z * z * z, z * z * z * z * z, z * z * z * z * z * z * z)
    return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu)
      + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu)
  }
}
