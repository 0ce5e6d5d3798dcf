/// 2-D convolutions with stride 1 and zero padding on channels-last tensors.
///
/// Shapes: input `[N, H, W, C]`, weight `[O, kh, kw, C]`, output `[N, H', W', O]` with
/// H' = H + 2·padding − kh + 1 (so `padding = (k − 1) / 2` keeps the size for odd k). Each is an
/// im2col into a `[pixels, kh·kw·C]` matrix, processed in chunks of ``chunkPixels`` output pixels
/// (a fixed number, so the order of every sum is independent of the thread count), followed by
/// one GEMM per chunk. With the package's own kernel (``GemmBackend/simd``), convolutions with at
/// most 8 output channels skip the patch matrix and give the same bits (``NarrowConvolution``);
/// with OpenBLAS every convolution goes through im2col, so a run's products all come from one
/// library.
public enum Convolution {
  /// Which kernel computes a convolution that is not pointwise.
  public enum Route: Sendable {
    /// Straight from the image for at most 8 output channels (``NarrowConvolution``), otherwise
    /// through the patch matrix.
    case automatic
    /// Always im2col + GEMM, the weight gradient as gᵀ · patches (the reference the other kernels
    /// and orientations are tested against).
    case patchMatrix
  }

  /// Output pixels per im2col chunk: a multiple of ``SimdGemm/depthBlock``, so the weight
  /// gradient's sum over pixels goes in blocks of 256 from pixel 0 whatever the chunk.
  static let chunkPixels = 2048

  /// y = x ⋆ W: `[N, H, W, C] ⋆ [O, kh, kw, C] → [N, H', W', O]`.
  /// `route` picks the kernel; every route gives the same bits (the tests compare them).
  public static func forward(_ input: Tensor, weight: Tensor, padding: Int, route: Route = .automatic) -> Tensor {
    let geometry = Geometry(input: input.shape, weight: weight.shape, padding: padding)
    let output = Tensor(uninitializedShape: geometry.outputShape)
    let columns = geometry.patchSize
    if geometry.isPointwise {
      Gemm.multiply(
        m: geometry.outputPixels, n: geometry.outputChannels, k: columns,
        a: input.pointer, lda: columns, b: weight.pointer, ldb: columns, transposeB: .transposed,
        c: output.pointer, ldc: geometry.outputChannels)
      return output
    }
    if route == .automatic && Gemm.backend == .simd && NarrowConvolution.applies(to: geometry) {
      FlopCounter.current?.add(2 * geometry.outputPixels * geometry.outputChannels * columns)
      NarrowConvolution.forward(input.pointer, weight: weight.pointer, geometry: geometry, into: output.pointer)
      return output
    }
    forwardThroughPatches(input, weight: weight, geometry: geometry, into: output)
    return output
  }

  /// The im2col + GEMM path of ``forward(_:weight:padding:route:)`` for a convolution that is not
  /// pointwise (the only path for more than ``NarrowConvolution/maximumOutputChannels`` outputs;
  /// the reference the narrow path is tested against, bit for bit).
  static func forwardThroughPatches(_ input: Tensor, weight: Tensor, geometry: Geometry, into output: Tensor) {
    let columns = geometry.patchSize
    let patches = Tensor(uninitializedShape: [chunkPixels * columns])
    defer { withExtendedLifetime(patches) {} }
    let buffer = patches.pointer
    for start in stride(from: 0, to: geometry.outputPixels, by: chunkPixels) {
      let pixels = min(chunkPixels, geometry.outputPixels - start)
      geometry.gatherPatches(from: input.pointer, pixels: start..<(start + pixels), into: buffer)
      Gemm.multiply(
        m: pixels, n: geometry.outputChannels, k: columns,
        a: buffer, lda: columns, b: weight.pointer, ldb: columns, transposeB: .transposed,
        c: output.pointer + start * geometry.outputChannels, ldc: geometry.outputChannels)
    }
  }

  /// The adjoint of ``forward(_:weight:padding:route:)`` in its input: for y `[N, H', W', O]` returns
  /// `[N, H, W, C]` with ⟨x ⋆ W, y⟩ = ⟨x, transposed(y, W)⟩. It is the convolution of y with the
  /// kernel flipped in space and with input and output channels exchanged, at padding k − 1 − p.
  public static func transposed(
    _ output: Tensor, weight: Tensor, padding: Int
  ) -> Tensor {
    precondition(weight.rank == 4, "Convolution weight must be [O, kh, kw, C], got \(weight.shape)")
    let kernelHeight = weight.shape[1]
    let kernelWidth = weight.shape[2]
    precondition(
      kernelHeight == kernelWidth && padding <= kernelHeight - 1,
      "Transposed convolution needs a square kernel and padding ≤ k − 1, got \(weight.shape), padding \(padding)")
    return forward(output, weight: flippedTransposedKernel(weight), padding: kernelHeight - 1 - padding)
  }

  /// The gradient of ⟨x ⋆ W, g⟩ with respect to W: `[O, kh, kw, C]`, given the input x
  /// `[N, H, W, C]` and the output-shaped g `[N, H', W', O]`.
  /// `route` picks the kernel; every route gives the same bits.
  public static func weightGradient(
    input: Tensor, outputGradient: Tensor, kernelHeight: Int, kernelWidth: Int, padding: Int, route: Route = .automatic
  ) -> Tensor {
    let weightShape = [outputGradient.lastExtent, kernelHeight, kernelWidth, input.lastExtent]
    let geometry = Geometry(input: input.shape, weight: weightShape, padding: padding)
    precondition(
      outputGradient.shape == geometry.outputShape,
      "Output gradient shape \(outputGradient.shape) does not match the convolution output \(geometry.outputShape)")
    let result = Tensor(uninitializedShape: weightShape)
    let columns = geometry.patchSize
    let outputChannels = geometry.outputChannels
    if !geometry.isPointwise && route == .automatic && Gemm.backend == .simd && NarrowConvolution.gradientApplies(to: geometry) {
      FlopCounter.current?.add(2 * outputChannels * columns * geometry.outputPixels)
      NarrowConvolution.weightGradient(
        input: input.pointer, outputGradient: outputGradient.pointer, geometry: geometry, into: result.pointer)
      return result
    }
    let packed: WeightGradientPacking = route == .automatic && Gemm.backend == .simd && columns > outputChannels ? .outputGradient : .patches
    let target = packed == .patches ? result : Tensor(uninitializedShape: [columns, outputChannels])
    if geometry.isPointwise {
      packed.multiply(
        pixels: geometry.outputPixels, outputGradient: outputGradient.pointer, patches: input.pointer, columns: columns,
        outputChannels: outputChannels, beta: 0, into: target.pointer)
    } else {
      let patches = Tensor(uninitializedShape: [chunkPixels * columns])
      defer { withExtendedLifetime(patches) {} }
      for start in stride(from: 0, to: geometry.outputPixels, by: chunkPixels) {
        let pixels = min(chunkPixels, geometry.outputPixels - start)
        geometry.gatherPatches(from: input.pointer, pixels: start..<(start + pixels), into: patches.pointer)
        packed.multiply(
          pixels: pixels, outputGradient: outputGradient.pointer + start * outputChannels, patches: patches.pointer,
          columns: columns, outputChannels: outputChannels, beta: start == 0 ? 0 : 1, into: target.pointer)
      }
    }
    if packed == .outputGradient {
      for row in 0..<columns {
        for channel in 0..<outputChannels { result.pointer[channel * columns + row] = target.pointer[row * outputChannels + channel] }
      }
    }
    return result
  }

  /// Which operand of the weight gradient's product, g `[pixels, O]` or the patches
  /// `[pixels, kh·kw·C]`, the SIMD kernel packs: it packs B and reads A in place, so packing
  /// the narrower one is cheaper. Each element of dW is the same chain of fused multiply-adds over
  /// the pixels in either orientation (products of the same two numbers, summed in the same depth
  /// blocks and order), so the bits do not depend on the choice.
  enum WeightGradientPacking: Equatable {
    /// dW `[O, kh·kw·C]` = gᵀ · patches (O ≥ kh·kw·C, OpenBLAS, and the ``Route/patchMatrix``
    /// reference).
    case patches
    /// dWᵀ `[kh·kw·C, O]` = patchesᵀ · g: the i-DenseNets' dense 3×3 layers (growth 108 outputs,
    /// 21 at the quick width, against 9·C patch columns, up to 1,953), where packing the patches
    /// took about 5 % of a paper-width step (`perf`, one thread).
    case outputGradient

    /// Adds one chunk of pixels to the product (β = 1) or starts it (β = 0).
    func multiply(
      pixels: Int, outputGradient: UnsafePointer<Float>, patches: UnsafePointer<Float>, columns: Int,
      outputChannels: Int, beta: Float, into target: UnsafeMutablePointer<Float>
    ) {
      switch self {
      case .patches:
        Gemm.multiply(
          m: outputChannels, n: columns, k: pixels, a: outputGradient, lda: outputChannels, transposeA: .transposed,
          b: patches, ldb: columns, beta: beta, c: target, ldc: columns)
      case .outputGradient:
        Gemm.multiply(
          m: columns, n: outputChannels, k: pixels, a: patches, lda: columns, transposeA: .transposed,
          b: outputGradient, ldb: outputChannels, beta: beta, c: target, ldc: outputChannels)
      }
    }
  }

  /// `[O, kh, kw, C] → [C, kh, kw, O]` with the spatial axes reversed.
  static func flippedTransposedKernel(_ weight: Tensor) -> Tensor {
    let (outputChannels, kernelHeight, kernelWidth, inputChannels) =
      (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    let result = Tensor(uninitializedShape: [inputChannels, kernelHeight, kernelWidth, outputChannels])
    for o in 0..<outputChannels {
      for p in 0..<kernelHeight {
        for q in 0..<kernelWidth {
          for c in 0..<inputChannels {
            let source = ((o * kernelHeight + p) * kernelWidth + q) * inputChannels + c
            let target =
              ((c * kernelHeight + (kernelHeight - 1 - p)) * kernelWidth + (kernelWidth - 1 - q))
              * outputChannels + o
            result.pointer[target] = weight.pointer[source]
          }
        }
      }
    }
    return result
  }

  /// Sizes of one convolution and its im2col gather.
  struct Geometry {
    let batch, height, width, inputChannels: Int
    let outputChannels, kernelHeight, kernelWidth, padding: Int
    let outputHeight, outputWidth: Int

    init(input: [Int], weight: [Int], padding: Int) {
      precondition(input.count == 4, "Convolution input must be [N, H, W, C], got \(input)")
      precondition(weight.count == 4, "Convolution weight must be [O, kh, kw, C], got \(weight)")
      precondition(
        input[3] == weight[3],
        "Convolution input has \(input[3]) channels but the weight expects \(weight[3])")
      precondition(padding >= 0, "Padding must be non-negative, got \(padding)")
      (batch, height, width, inputChannels) = (input[0], input[1], input[2], input[3])
      (outputChannels, kernelHeight, kernelWidth) = (weight[0], weight[1], weight[2])
      self.padding = padding
      outputHeight = height + 2 * padding - kernelHeight + 1
      outputWidth = width + 2 * padding - kernelWidth + 1
      precondition(outputHeight > 0 && outputWidth > 0, "Kernel \(weight) larger than padded input \(input)")
    }

    var outputShape: [Int] { [batch, outputHeight, outputWidth, outputChannels] }
    var outputPixels: Int { batch * outputHeight * outputWidth }
    var patchSize: Int { kernelHeight * kernelWidth * inputChannels }
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && padding == 0 }

    /// Writes rows `pixels` of the im2col matrix: row r holds, for each tap (p, q), the C
    /// channels of input pixel (i + p − padding, j + q − padding), or zeros outside the image.
    func gatherPatches(
      from input: UnsafePointer<Float>, pixels: Range<Int>, into buffer: UnsafeMutablePointer<Float>
    ) {
      let channels = inputChannels
      let patch = patchSize
      Parallelism.forEachRowChunk(rows: pixels.count, width: patch) { local in
        for offset in local {
          let pixel = pixels.lowerBound + offset
          let j = pixel % outputWidth
          let i = (pixel / outputWidth) % outputHeight
          let n = pixel / (outputWidth * outputHeight)
          var target = buffer + offset * patch
          let (firstColumn, tapRow) = (j - padding, kernelWidth * channels)
          for p in 0..<kernelHeight {
            let row = i + p - padding
            if row < 0 || row >= height {
              target.update(repeating: 0, count: tapRow)
            } else if firstColumn >= 0 && firstColumn + kernelWidth <= width {
              // The taps of one kernel row are neighbouring pixels: one copy of kw·C floats.
              target.update(from: input + ((n * height + row) * width + firstColumn) * channels, count: tapRow)
            } else {
              for q in 0..<kernelWidth {
                let column = firstColumn + q
                let tap = target + q * channels
                if column >= 0 && column < width {
                  tap.update(from: input + ((n * height + row) * width + column) * channels, count: channels)
                } else {
                  tap.update(repeating: 0, count: channels)
                }
              }
            }
            target += tapRow
          }
        }
      }
    }
  }
}
