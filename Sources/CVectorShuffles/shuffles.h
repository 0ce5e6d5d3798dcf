// Two-input shuffles of eight floats, for Swift code that needs one shuffle instruction where
// Swift's SIMD types offer only lane-by-lane reads and writes. Swift imports
// `lipflow_float8` as SIMD8<Float>, and the importer inlines these functions into their Swift
// callers. `__builtin_shufflevector` is not tied to an instruction set: with AVX each function
// is one `vunpcklps`, `vunpckhps`, `vshufps` or `vperm2f128`; without it the compiler picks SSE
// shuffles. Picking lanes one by one instead (`SIMD8(x[0], y[0], ...)`) let the optimizer merge
// the rounds of an 8 × 8 transpose into per-lane inserts and blends, five times the shuffles.
//
// Lanes are numbered 0-7 in x and 8-15 in y; the AVX shuffles work within each 128-bit half
// (lanes 0-3 and 4-7) except `lipflow_low_halves` / `lipflow_high_halves`.
#ifndef LIPFLOW_VECTOR_SHUFFLES_H
#define LIPFLOW_VECTOR_SHUFFLES_H

typedef float lipflow_float8 __attribute__((ext_vector_type(8)));

#define LIPFLOW_SHUFFLE static inline __attribute__((always_inline)) lipflow_float8

/// x0 y0 x1 y1 | x4 y4 x5 y5
LIPFLOW_SHUFFLE lipflow_interleave_low(lipflow_float8 x, lipflow_float8 y) {
  return __builtin_shufflevector(x, y, 0, 8, 1, 9, 4, 12, 5, 13);
}

/// x2 y2 x3 y3 | x6 y6 x7 y7
LIPFLOW_SHUFFLE lipflow_interleave_high(lipflow_float8 x, lipflow_float8 y) {
  return __builtin_shufflevector(x, y, 2, 10, 3, 11, 6, 14, 7, 15);
}

/// x0 x1 y0 y1 | x4 x5 y4 y5
LIPFLOW_SHUFFLE lipflow_first_pairs(lipflow_float8 x, lipflow_float8 y) {
  return __builtin_shufflevector(x, y, 0, 1, 8, 9, 4, 5, 12, 13);
}

/// x2 x3 y2 y3 | x6 x7 y6 y7
LIPFLOW_SHUFFLE lipflow_second_pairs(lipflow_float8 x, lipflow_float8 y) {
  return __builtin_shufflevector(x, y, 2, 3, 10, 11, 6, 7, 14, 15);
}

/// x0 x1 x2 x3 | y0 y1 y2 y3
LIPFLOW_SHUFFLE lipflow_low_halves(lipflow_float8 x, lipflow_float8 y) {
  return __builtin_shufflevector(x, y, 0, 1, 2, 3, 8, 9, 10, 11);
}

/// x4 x5 x6 x7 | y4 y5 y6 y7
LIPFLOW_SHUFFLE lipflow_high_halves(lipflow_float8 x, lipflow_float8 y) {
  return __builtin_shufflevector(x, y, 4, 5, 6, 7, 12, 13, 14, 15);
}

/// v itself, through an empty assembly statement that the optimizer cannot see into: it keeps
/// the shuffles that made v as shuffles. (Without it, the rows of a transposed square multiplied
/// lane by lane were traced back to the loaded rows and turned into scalar multiply-adds.)
/// Only with AVX, where eight floats fit one register.
LIPFLOW_SHUFFLE lipflow_opaque(lipflow_float8 v) {
#ifdef __AVX__
  __asm__("" : "+x"(v));
#endif
  return v;
}

#undef LIPFLOW_SHUFFLE

#endif
