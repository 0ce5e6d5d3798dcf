extension NarrowConvolution {
  /// Whether ``weightGradient(input:outputGradient:geometry:into:)`` takes this convolution: at
  /// most 8 output channels, and input channels in whole groups of the accumulators' columns (so
  /// a group of columns lies within one tap).
  static func gradientApplies(to geometry: Convolution.Geometry) -> Bool {
    guard !geometry.isPointwise, geometry.outputChannels <= maximumOutputChannels else { return false }
    return geometry.inputChannels % groupWidth(Layout(outputChannels: geometry.outputChannels)) == 0
  }

  /// Columns of the weight gradient one group of accumulators covers: 8 per vector.
  static func groupWidth(_ layout: Layout) -> Int { layout.tiles * tileWidth }

  /// ∂W = Σ_pixels g ⊗ patch for x `[N, H, W, C]` and g `[N, H', W', O]` (O ≤ 8), written as
  /// `[O, kh·kw·C]` into `result`: the im2col product `gᵀ · patches` with the patch rows read
  /// straight from the image, 8 neighbouring channels of a tap per vector.
  ///
  /// The same bits as im2col + ``SimdGemm``: the sum over pixels goes in depth blocks of
  /// ``SimdGemm/depthBlock`` pixels from pixel 0 (the im2col chunks start at multiples of it), each
  /// block a chain of fused multiply-adds from zero in increasing pixel order, blocks added in
  /// increasing order.
  static func weightGradient(
    input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, geometry: Convolution.Geometry,
    into result: UnsafeMutablePointer<Float>
  ) {
    let layout = Layout(outputChannels: geometry.outputChannels)
    let gradient = paddedGradient(outputGradient, geometry: geometry, layout: layout)
    let zeros = [Float](repeating: 0, count: geometry.inputChannels)
    let groups = geometry.patchSize / groupWidth(layout)
    let work = geometry.outputPixels * groupWidth(layout) * geometry.outputChannels
    gradient.withUnsafeBufferPointer { gradient in
      zeros.withUnsafeBufferPointer { zeros in
        Parallelism.forEachRowChunk(rows: groups, width: work) { groupRange in
          for blockStart in stride(from: 0, to: geometry.outputPixels, by: SimdGemm.depthBlock) {
            let pixels = blockStart..<min(blockStart + SimdGemm.depthBlock, geometry.outputPixels)
            let sources = TapSources(geometry: geometry, input: input, zeros: zeros.baseAddress!, pixels: pixels)
            for group in groupRange {
              let sums = sources.blockSums(group: group, layout: layout, gradient: gradient.baseAddress! + pixels.lowerBound * layout.outputs)
              store(sums, group: group, layout: layout, geometry: geometry, firstBlock: blockStart == 0, into: result)
            }
          }
        }
      }
    }
  }

  /// g as `[pixels, layout.outputs]`, zeros in the columns past O (so every accumulator slot
  /// reads a value that exists).
  static func paddedGradient(_ gradient: UnsafePointer<Float>, geometry: Convolution.Geometry, layout: Layout) -> [Float] {
    let (outputs, channels) = (layout.outputs, geometry.outputChannels)
    var padded = [Float](repeating: 0, count: geometry.outputPixels * outputs)
    for pixel in 0..<geometry.outputPixels {
      for channel in 0..<channels { padded[pixel * outputs + channel] = gradient[pixel * channels + channel] }
    }
    return padded
  }

  /// Writes one group's block sums into ∂W `[O, patch]`: the first block's as they are, later
  /// blocks added to what is there (the GEMM's β = 0, then C + block).
  static func store(
    _ sums: Accumulators, group: Int, layout: Layout, geometry: Convolution.Geometry, firstBlock: Bool,
    into result: UnsafeMutablePointer<Float>
  ) {
    for (slot, sum) in sums.vectors.enumerated() {
      let (vector, channel) = layout.place(ofSlot: slot)
      guard channel < geometry.outputChannels else { continue }
      let target = UnsafeMutableRawPointer(result + channel * geometry.patchSize + group * groupWidth(layout) + vector * tileWidth)
      let total = firstBlock ? sum : UnsafeRawPointer(target).loadUnaligned(as: Vector8.self) + sum
      target.storeBytes(of: total, as: Vector8.self)
    }
  }

  /// For one block of output pixels, where each tap of each pixel reads its C input channels:
  /// the input pixel, or zeros outside the image. `[taps, pixels]`.
  struct TapSources {
    let geometry: Convolution.Geometry
    let pointers: [UnsafePointer<Float>]
    let count: Int

    init(geometry: Convolution.Geometry, input: UnsafePointer<Float>, zeros: UnsafePointer<Float>, pixels: Range<Int>) {
      self.geometry = geometry
      count = pixels.count
      var pointers = [UnsafePointer<Float>]()
      pointers.reserveCapacity(geometry.kernelHeight * geometry.kernelWidth * pixels.count)
      for tapRow in 0..<geometry.kernelHeight {
        for tapColumn in 0..<geometry.kernelWidth {
          for pixel in pixels {
            let column = pixel % geometry.outputWidth + tapColumn - geometry.padding
            let row = (pixel / geometry.outputWidth) % geometry.outputHeight + tapRow - geometry.padding
            let image = pixel / (geometry.outputWidth * geometry.outputHeight)
            let inside = row >= 0 && row < geometry.height && column >= 0 && column < geometry.width
            pointers.append(inside ? input + ((image * geometry.height + row) * geometry.width + column) * geometry.inputChannels : zeros)
          }
        }
      }
      self.pointers = pointers
    }

    /// The block's sums for the columns of `group`; `gradient` is the block's first padded row.
    func blockSums(group: Int, layout: Layout, gradient: UnsafePointer<Float>) -> Accumulators {
      let (tap, channel) = (group * NarrowConvolution.groupWidth(layout)).quotientAndRemainder(dividingBy: geometry.inputChannels)
      var sums = Accumulators()
      pointers.withUnsafeBufferPointer { pointers in
        let sources = pointers.baseAddress! + tap * count
        switch layout {
        case .eightTiles: sums.accumulateEightColumnVectors(sources, count: count, channel: channel, gradient: gradient)
        case .twoTiles: sums.accumulateTwoColumnVectors(sources, count: count, channel: channel, gradient: gradient)
        case .oneTile: sums.accumulateOneColumnVector(sources, count: count, channel: channel, gradient: gradient)
        }
      }
      return sums
    }
  }
}

extension NarrowConvolution.Accumulators {
  /// One output channel, 64 columns: per pixel, 8 loads and one broadcast gradient.
  @inline(__always)
  mutating func accumulateEightColumnVectors(
    _ sources: UnsafePointer<UnsafePointer<Float>>, count: Int, channel: Int, gradient: UnsafePointer<Float>
  ) {
    for pixel in 0..<count {
      let source = UnsafeRawPointer(sources[pixel] + channel)
      let weight = Vector8(repeating: gradient[pixel])
      v0 = v0.addingProduct(source.loadUnaligned(as: Vector8.self), weight)
      v1 = v1.addingProduct(source.loadUnaligned(fromByteOffset: 32, as: Vector8.self), weight)
      v2 = v2.addingProduct(source.loadUnaligned(fromByteOffset: 64, as: Vector8.self), weight)
      v3 = v3.addingProduct(source.loadUnaligned(fromByteOffset: 96, as: Vector8.self), weight)
      v4 = v4.addingProduct(source.loadUnaligned(fromByteOffset: 128, as: Vector8.self), weight)
      v5 = v5.addingProduct(source.loadUnaligned(fromByteOffset: 160, as: Vector8.self), weight)
      v6 = v6.addingProduct(source.loadUnaligned(fromByteOffset: 192, as: Vector8.self), weight)
      v7 = v7.addingProduct(source.loadUnaligned(fromByteOffset: 224, as: Vector8.self), weight)
    }
  }

  /// Up to 4 output channels, 16 columns: per pixel, 2 loads and 4 broadcast gradients.
  @inline(__always)
  mutating func accumulateTwoColumnVectors(
    _ sources: UnsafePointer<UnsafePointer<Float>>, count: Int, channel: Int, gradient: UnsafePointer<Float>
  ) {
    for pixel in 0..<count {
      let source = UnsafeRawPointer(sources[pixel] + channel)
      let (x0, x1) = (source.loadUnaligned(as: Vector8.self), source.loadUnaligned(fromByteOffset: 32, as: Vector8.self))
      let row = gradient + pixel * 4
      let (g0, g1, g2, g3) = (Vector8(repeating: row[0]), Vector8(repeating: row[1]), Vector8(repeating: row[2]), Vector8(repeating: row[3]))
      v0 = v0.addingProduct(x0, g0); v1 = v1.addingProduct(x0, g1); v2 = v2.addingProduct(x0, g2); v3 = v3.addingProduct(x0, g3)
      v4 = v4.addingProduct(x1, g0); v5 = v5.addingProduct(x1, g1); v6 = v6.addingProduct(x1, g2); v7 = v7.addingProduct(x1, g3)
    }
  }

  /// Up to 8 output channels, 8 columns: per pixel, 1 load and 8 broadcast gradients.
  @inline(__always)
  mutating func accumulateOneColumnVector(
    _ sources: UnsafePointer<UnsafePointer<Float>>, count: Int, channel: Int, gradient: UnsafePointer<Float>
  ) {
    for pixel in 0..<count {
      let x = UnsafeRawPointer(sources[pixel] + channel).loadUnaligned(as: Vector8.self)
      let row = gradient + pixel * 8
      v0 = v0.addingProduct(x, Vector8(repeating: row[0])); v1 = v1.addingProduct(x, Vector8(repeating: row[1]))
      v2 = v2.addingProduct(x, Vector8(repeating: row[2])); v3 = v3.addingProduct(x, Vector8(repeating: row[3]))
      v4 = v4.addingProduct(x, Vector8(repeating: row[4])); v5 = v5.addingProduct(x, Vector8(repeating: row[5]))
      v6 = v6.addingProduct(x, Vector8(repeating: row[6])); v7 = v7.addingProduct(x, Vector8(repeating: row[7]))
    }
  }
}
