import FlowCore
import Foundation
import Testing

@Suite("Tensor kernels")
struct TensorTests {
  @Test("The vectorised exponential is within 3 ulp of libm over the useful range")
  func vectorisedExponentialIsAccurate() {
    let values = (0..<20_001).map { Float($0) / 20_000 * 170 - 85 }
    let result = Tensor(shape: [values.count], scalars: values).exp()
    for (index, x) in values.enumerated() {
      let expected = Foundation.exp(Double(x))
      let relative = abs(Double(result[flat: index]) - expected) / expected
      #expect(relative < 3 * Double(Float.ulpOfOne), "exp(\(x)): \(result[flat: index]) vs \(expected)")
      if relative >= 3 * Double(Float.ulpOfOne) { break }
    }
    let extremes = Tensor(shape: [2], scalars: [-200, 200]).exp().scalars
    #expect(extremes[0].isFinite && extremes[1].isFinite)
  }

  @Test("Sigmoid and softplus stay finite and accurate for large arguments")
  func sigmoidAndSoftplusAreStable() {
    let input = Tensor(shape: [5], scalars: [-100, -5, 0, 5, 100])
    let sigmoid = input.sigmoid().scalars
    let softplus = input.softplus().scalars
    for (index, x) in input.scalars.enumerated() {
      #expect(abs(Double(sigmoid[index]) - 1 / (1 + Foundation.exp(-Double(x)))) < 1e-6)
      #expect(abs(Double(softplus[index]) - Foundation.log1p(Foundation.exp(Double(x)))) < 1e-5 * max(1, Double(abs(x))))
    }
  }

  @Test("Broadcasting follows the suffix rule and rejects other shapes")
  func broadcastingFollowsSuffixRule() {
    #expect(Tensor.broadcastShape([2, 3, 4], [4]) == [2, 3, 4])
    #expect(Tensor.broadcastShape([4], [2, 3, 4]) == [2, 3, 4])
    #expect(Tensor.broadcastShape([2, 3], []) == [2, 3])
    #expect(Tensor.broadcastShape([2, 3], [2]) == nil)
    let matrix = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    let row = Tensor(shape: [3], scalars: [10, 20, 30])
    #expect((matrix + row).scalars == [11, 22, 33, 14, 25, 36])
    #expect((row - matrix).scalars == [9, 18, 27, 6, 15, 24])
    #expect((matrix * Tensor(2)).scalars == [2, 4, 6, 8, 10, 12])
  }

  @Test("Sums over axes match explicit loops, and expanding is their adjoint")
  func sumsMatchLoops() {
    let tensor = randomTensor([3, 4, 5], seed: 1)
    for axis in 0..<3 {
      let sum = tensor.sum(alongAxis: axis)
      var expectedShape = [3, 4, 5]
      expectedShape.remove(at: axis)
      #expect(sum.shape == expectedShape)
      var expected = Tensor.zeros(expectedShape)
      for i in 0..<3 {
        for j in 0..<4 {
          for k in 0..<5 {
            let value = tensor[flat: (i * 4 + j) * 5 + k]
            let target: Int
            switch axis {
            case 0: target = j * 5 + k
            case 1: target = i * 5 + k
            default: target = i * 4 + j
            }
            expected[flat: target] += value
          }
        }
      }
      #expect(maximumDifference(sum, expected) < 1e-5)
      let probe = randomTensor(expectedShape, seed: 2)
      let left = innerProduct(sum, probe)
      let right = innerProduct(tensor, probe.expanded(insertingAxis: axis, extent: tensor.shape[axis]))
      #expect(abs(left - right) < 1e-4)
    }
    #expect(abs(tensor.sum().scalar - tensor.scalars.reduce(0, +)) < 1e-4)
  }

  @Test(
    "A sum over an axis adds the slices along it one after another, bit for bit, at any thread count",
    arguments: [([500, 90], 0), ([7, 13, 45], 1), ([3, 40, 37], 1), ([2, 2000, 8], 1)] as [([Int], Int)])
  func sumAlongAxisAddsInOrder(shape: [Int], axis: Int) {
    // 90 columns: two blocks of 32, three vectors and two single columns; 37 and 45 end alike.
    let tensor = randomTensor(shape, seed: 14, scale: 1e3)
    let (outer, extent, inner) = (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    var expected = [Float](repeating: 0, count: outer * inner)
    for row in 0..<outer {
      for index in 0..<extent {
        for column in 0..<inner { expected[row * inner + column] += tensor[flat: (row * extent + index) * inner + column] }
      }
    }
    for threads in 1...3 {
      let sum = Parallelism.withThreads(threads) { tensor.sum(alongAxis: axis) }
      #expect(sum.scalars.map(\.bitPattern) == expected.map(\.bitPattern), "\(threads) threads")
    }
  }

  @Test("A scaled concatenation's gradients are the upstream's columns times each scale and, per scale, the rows' eight-lane dot products added in row order", arguments: [1, 2, 3])
  func scaledConcatenationGradientsFollowTheirOrder(threads: Int) {
    // Parts of 21, 5, 16 and 37 columns: rows that end in 5-column tails, a part shorter than a
    // vector and one of whole vectors.
    let (rows, widths, scales): (Int, [Int], [Float]) = (33, [21, 5, 16, 37], [0.7, -1.3, 0.25, 2.1])
    let parts = widths.enumerated().map { randomTensor([rows, $0.element], seed: 20 + UInt64($0.offset)) }
    let total = widths.reduce(0, +)
    let upstream = randomTensor([rows, total], seed: 30)
    let result = Parallelism.withThreads(threads) {
      Tensor.scaledConcatenationGradients(upstream: upstream, parts: parts, scales: scales, wantsParts: [true, true, false, true])
    }
    var start = 0
    for (index, width) in widths.enumerated() {
      var (gradient, total) = ([Float](), Float(0))
      for row in 0..<rows {
        var lanes = Vector8()
        for column in 0..<width {
          let g = upstream[flat: row * upstream.lastExtent + start + column]
          lanes[column % 8] = lanes[column % 8].addingProduct(g, parts[index][flat: row * width + column])
          gradient.append(g * scales[index])
        }
        total += lanes.sum()
      }
      start += width
      #expect(result.scales[index].bitPattern == total.bitPattern, "scale \(index), \(threads) threads")
      if index == 2 {
        #expect(result.parts[index] == nil)
      } else {
        #expect(result.parts[index]?.scalars.map(\.bitPattern) == gradient.map(\.bitPattern), "part \(index), \(threads) threads")
      }
    }
  }

  @Test("Concatenation and slicing along the last axis are inverse to each other")
  func concatenationAndSlicingRoundTrip() {
    let a = randomTensor([2, 3, 2], seed: 1)
    let b = randomTensor([2, 3, 5], seed: 2)
    let joined = Tensor.concatenatingLastAxis([a, b])
    #expect(joined.shape == [2, 3, 7])
    #expect(joined.slicingLastAxis(0..<2) == a)
    #expect(joined.slicingLastAxis(2..<7) == b)
    #expect(a.paddingLastAxis(offset: 1, width: 4).slicingLastAxis(1..<3) == a)
  }

  @Test("Padding puts the columns at their offset and zeros everywhere else, in parallel chunks too", arguments: [1, 2, 3])
  func paddingWritesZerosAroundTheColumns(threads: Int) {
    let a = randomTensor([700, 30], seed: 5)  // 700 rows of width 64 after padding: split among threads
    let padded = Parallelism.withThreads(threads) { a.paddingLastAxis(offset: 7, width: 64) }
    let values = padded.scalars
    var expected = [Float](repeating: 0, count: 700 * 64)
    for row in 0..<700 { for column in 0..<30 { expected[row * 64 + 7 + column] = a.scalars[row * 30 + column] } }
    #expect(values == expected)
    #expect(Parallelism.withThreads(threads) { padded.slicingLastAxis(7..<37) } == a)
  }

  @Test("A scaled slice and a scaled padding give the bits of slicing or padding and then scaling", arguments: [1, 2, 3])
  func scaledSliceAndPaddingMatchTheirTwoSteps(threads: Int) {
    let a = randomTensor([700, 45], seed: 6)  // split among threads; 13 columns end in a partial vector
    let scale: Float = -0.693
    Parallelism.withThreads(threads) {
      #expect(a.slicingLastAxis(19..<32, scaledBy: scale).scalars == (a.slicingLastAxis(19..<32) * scale).scalars)
      #expect(a.paddingLastAxis(offset: 5, width: 61, scaledBy: scale).scalars == (a * scale).paddingLastAxis(offset: 5, width: 61).scalars)
      let both = a.slicingLastAxis(19..<32, alsoScaledBy: scale)
      #expect(both.slice.scalars == a.slicingLastAxis(19..<32).scalars && both.scaled.scalars == (a.slicingLastAxis(19..<32) * scale).scalars)
    }
  }

  @Test("The sum of products gives the bits of multiplying and then summing", arguments: [0, 1, 7, 8, 15, 16, 17, 31, 33, 500, 4099])
  func sumOfProductsMatchesItsTwoSteps(count: Int) {
    let a = randomTensor([count], seed: 11)
    let b = randomTensor([count], seed: 12, scale: 1e3)
    #expect(a.sumOfProducts(b).scalar.bitPattern == (a * b).sum().scalar.bitPattern)
    // A different order (sequential) of the same products differs somewhere, so the check can fail.
    if count == 4099 {
      let sequential = zip(a.scalars, b.scalars).reduce(Float(0)) { $0 + $1.0 * $1.1 }
      #expect(sequential.bitPattern != a.sumOfProducts(b).scalar.bitPattern)
    }
  }

  @Test("Squeeze moves each 2×2 block of pixels into channels and unsqueeze undoes it")
  func squeezeRoundTrips() {
    let image = Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4])
    #expect(image.squeezed().shape == [1, 1, 1, 4])
    #expect(image.squeezed().scalars == [1, 2, 3, 4])
    let batch = randomTensor([2, 6, 4, 3], seed: 5)
    #expect(batch.squeezed().unsqueezed() == batch)
    #expect(batch.squeezed().shape == [2, 3, 2, 12])
  }

  @Test("Tensors copy on write")
  func tensorsCopyOnWrite() {
    let original = Tensor(shape: [3], scalars: [1, 2, 3])
    var copy = original
    copy[flat: 0] = 9
    #expect(original.scalars == [1, 2, 3])
    #expect(copy.scalars == [9, 2, 3])
  }

  @Test("LipSwish has slope at most 1 and its derivatives match differences of the function")
  func lipSwishDerivativesAreConsistent() {
    let x = Tensor(shape: [401], scalars: (0..<401).map { Float($0) / 20 - 10 })
    for beta: Float in [0.1, 0.97, 5] {
      let first = SwishKernels.derivative(order: 1, input: x, slope: beta, scale: LipSwish.scale, multiplier: nil)
      let steepest = first.scalars.map(abs).max() ?? 0
      #expect(steepest <= 1)
      for order in 0..<SwishKernels.maximumOrder {
        let h: Float = 1e-2
        let plus = SwishKernels.derivative(order: order, input: x + h, slope: beta, scale: 1, multiplier: nil)
        let minus = SwishKernels.derivative(order: order, input: x - h, slope: beta, scale: 1, multiplier: nil)
        let next = SwishKernels.derivative(order: order + 1, input: x, slope: beta, scale: 1, multiplier: nil)
        let numeric = (plus - minus) * (1 / (2 * h))
        #expect(maximumDifference(numeric, next) < 2e-3 * max(1, beta * beta * beta), "order \(order), β \(beta)")
        let slopePlus = SwishKernels.derivative(order: order, input: x, slope: beta + h / 10, scale: 1, multiplier: nil)
        let slopeMinus = SwishKernels.derivative(order: order, input: x, slope: beta - h / 10, scale: 1, multiplier: nil)
        let slopeNumeric = (slopePlus - slopeMinus) * (1 / (h / 5))
        let slopeAnalytic = SwishKernels.slopeDerivative(order: order, input: x, slope: beta, scale: 1, multiplier: nil)
        #expect(maximumDifference(slopeNumeric, slopeAnalytic) < 2e-2 * max(1, beta * beta), "slope order \(order), β \(beta)")
      }
    }
  }
}

@Suite("Sigmoid cache")
struct SigmoidCacheTests {
  @Test("Cached σ(βx) never goes stale: in-place mutation, another β and copies all give fresh values")
  func cacheFollowsValuesAndSlope() {
    var x = randomTensor([64, 9], seed: 8)
    let first = SwishKernels.derivative(order: 1, input: x, slope: 0.8, scale: 1, multiplier: nil)
    #expect(SwishKernels.derivative(order: 1, input: x, slope: 0.8, scale: 1, multiplier: nil) == first)
    let otherSlope = SwishKernels.derivative(order: 1, input: x, slope: 1.3, scale: 1, multiplier: nil)
    let freshOtherSlope = SwishKernels.derivative(order: 1, input: Tensor(shape: x.shape, scalars: x.scalars), slope: 1.3, scale: 1, multiplier: nil)
    #expect(otherSlope == freshOtherSlope)
    x[flat: 5] += 1
    let afterMutation = SwishKernels.derivative(order: 1, input: x, slope: 1.3, scale: 1, multiplier: nil)
    let fresh = SwishKernels.derivative(order: 1, input: Tensor(shape: x.shape, scalars: x.scalars), slope: 1.3, scale: 1, multiplier: nil)
    #expect(afterMutation == fresh)
    #expect(afterMutation != otherSlope)
    var copy = x
    copy.withUnsafeMutableBufferPointer { $0[0] = 7 }
    #expect(SwishKernels.derivative(order: 0, input: copy, slope: 1.3, scale: 1, multiplier: nil)
      == SwishKernels.derivative(order: 0, input: Tensor(shape: copy.shape, scalars: copy.scalars), slope: 1.3, scale: 1, multiplier: nil))
    #expect(SwishKernels.derivative(order: 0, input: x, slope: 1.3, scale: 1, multiplier: nil)
      == SwishKernels.derivative(order: 0, input: Tensor(shape: x.shape, scalars: x.scalars), slope: 1.3, scale: 1, multiplier: nil))
  }
}
