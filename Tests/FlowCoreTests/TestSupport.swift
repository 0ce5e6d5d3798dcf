import FlowCore

/// Deterministic random tensors for tests.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, positive: Bool = false) -> Tensor {
  var stream = RandomStream(seed: seed)
  if positive { return Tensor.randomUniform(shape: shape, lower: 0.5, upper: 1.5, stream: &stream) }
  return Tensor.randomNormal(shape: shape, standardDeviation: scale, stream: &stream)
}

/// The largest absolute elementwise difference.
func maximumDifference(_ a: Tensor, _ b: Tensor) -> Float {
  precondition(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)")
  var worst: Float = 0
  for index in 0..<a.count { worst = max(worst, abs(a[flat: index] - b[flat: index])) }
  return worst
}

/// The largest absolute element.
func maximumMagnitude(_ a: Tensor) -> Float {
  a.scalars.map(abs).max() ?? 0
}

/// Naive row-major C = op(A)·op(B) in double precision.
func naiveProduct(_ a: Tensor, _ b: Tensor, transposeA: Transposition, transposeB: Transposition) -> Tensor {
  let (m, k) = transposeA == .none ? (a.shape[0], a.shape[1]) : (a.shape[1], a.shape[0])
  let n = transposeB == .none ? b.shape[1] : b.shape[0]
  var result = Tensor.zeros([m, n])
  for i in 0..<m {
    for j in 0..<n {
      var total = 0.0
      for p in 0..<k {
        let left = transposeA == .none ? a[flat: i * a.shape[1] + p] : a[flat: p * a.shape[1] + i]
        let right = transposeB == .none ? b[flat: p * b.shape[1] + j] : b[flat: j * b.shape[1] + p]
        total += Double(left) * Double(right)
      }
      result[flat: i * n + j] = Float(total)
    }
  }
  return result
}

/// Naive channels-last convolution with zero padding, in double precision.
func naiveConvolution(_ input: Tensor, _ weight: Tensor, padding: Int) -> Tensor {
  let (batch, height, width, channels) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
  let (outputs, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2])
  let (outHeight, outWidth) = (height + 2 * padding - kh + 1, width + 2 * padding - kw + 1)
  var result = Tensor.zeros([batch, outHeight, outWidth, outputs])
  for n in 0..<batch {
    for i in 0..<outHeight {
      for j in 0..<outWidth {
        for o in 0..<outputs {
          var total = 0.0
          for p in 0..<kh {
            for q in 0..<kw {
              let (row, column) = (i + p - padding, j + q - padding)
              guard row >= 0, row < height, column >= 0, column < width else { continue }
              for c in 0..<channels {
                total += Double(weight[flat: ((o * kh + p) * kw + q) * channels + c])
                  * Double(input[flat: ((n * height + row) * width + column) * channels + c])
              }
            }
          }
          result[flat: ((n * outHeight + i) * outWidth + j) * outputs + o] = Float(total)
        }
      }
    }
  }
  return result
}

/// ⟨a, b⟩ in double precision.
func innerProduct(_ a: Tensor, _ b: Tensor) -> Double {
  precondition(a.count == b.count)
  var total = 0.0
  for index in 0..<a.count { total += Double(a[flat: index]) * Double(b[flat: index]) }
  return total
}
