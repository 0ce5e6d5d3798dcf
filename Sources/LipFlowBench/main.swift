import FlowCore
import Foundation

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func gemmRate(m: Int, n: Int, k: Int, ta: Transposition, tb: Transposition, backend: GemmBackend) -> Double {
  let a = [Float](repeating: 0.5, count: m * k)
  let b = [Float](repeating: 0.25, count: k * n)
  var c = [Float](repeating: 0, count: m * n)
  var times: [Double] = []
  let reps = max(3, min(200, Int(2e9 / Double(2 * m * n * k))))
  for _ in 0..<reps {
    let t0 = now()
    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
      Gemm.multiply(m: m, n: n, k: k, a: a.baseAddress!, lda: ta == .none ? k : m, transposeA: ta,
                    b: b.baseAddress!, ldb: tb == .none ? n : k, transposeB: tb, c: c.baseAddress!, ldc: n, backend: backend)
    }}}
    times.append(now() - t0)
  }
  return 2.0 * Double(m * n * k) / median(times) / 1e9
}
for threads in [1, 2] {
  Parallelism.threadCount = threads
  for (m, n, k, ta, tb) in [(500, 128, 128, Transposition.none, Transposition.transposed), (500,128,128, .none, .none), (128,128,500,.transposed,.none), (784, 64, 576, .none, .transposed), (50176, 64, 576, .none, .transposed)] {
    for backend in GemmBackend.allCases {
      print("threads \(threads) \(m)x\(n)x\(k) \(ta) \(tb) \(backend): \(String(format: "%.1f", gemmRate(m: m, n: n, k: k, ta: ta, tb: tb, backend: backend))) GFLOP/s")
    }
  }
}
