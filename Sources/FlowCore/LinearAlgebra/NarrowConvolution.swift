/// Convolutions with at most 8 output channels, computed straight from the image: the last 3×3
/// layer of an image block (512 hidden channels back to the block's 1 or 4) and the input
/// gradient of its first layer.
///
/// Through im2col such a layer is `[pixels, kh·kw·C] · [kh·kw·C, O]` with O ≤ 8: the patch
/// matrix is kh·kw times the image, written and read back for 2·O flops per element, and the
/// GEMM's 8-lane tiles run across output channels, so only O of 8 lanes do useful work. Here each
/// image is first copied into zero-bordered channel planes (`[C, H + 2p, W″]`, W″ covering whole
/// 8-pixel tiles of the output row plus kw − 1), where 8 neighbouring output pixels of a row read
/// 8 consecutive floats for every tap and channel: a vector holds 8 pixels, and every lane of every
/// multiply-add is useful.
///
/// The same bits as im2col + ``SimdGemm``: each output element is the sum over k = (tap, channel)
/// in im2col order, split into depth blocks of ``SimdGemm/depthBlock``; each block is a chain of
/// fused multiply-adds from zero (image value × weight, in increasing k) and the blocks are added
/// in increasing order, which is what the GEMM's micro-kernels do to each element of C with α = 1
/// (β = 0 for the first block, then C + block). A tap outside the image multiplies a zero of the
/// border, as it multiplies a zero of the patch matrix there.
enum NarrowConvolution {
  /// The most output channels this path takes (the GEMM's narrow micro-kernel covers as many).
  static let maximumOutputChannels = 8
  /// Output pixels per vector.
  static let tileWidth = 8

  /// How 8 accumulators are shared among pixel tiles and output channels.
  enum Layout {
    /// 8 tiles of 8 pixels, one output channel.
    case eightTiles
    /// 2 tiles, up to 4 output channels.
    case twoTiles
    /// 1 tile, up to 8 output channels.
    case oneTile

    init(outputChannels: Int) {
      switch outputChannels {
      case 1: self = .eightTiles
      case 2...4: self = .twoTiles
      default: self = .oneTile
      }
    }

    var tiles: Int {
      switch self {
      case .eightTiles: 8
      case .twoTiles: 2
      case .oneTile: 1
      }
    }

    /// Output channels per tile, zero weights filling those past the layer's.
    var outputs: Int { 8 / tiles }

    /// Which tile (forward pass) or column vector (weight gradient) and which output channel
    /// accumulator slot `slot` holds.
    func place(ofSlot slot: Int) -> (tile: Int, channel: Int) {
      let (tile, channel) = slot.quotientAndRemainder(dividingBy: outputs)
      return (tile, channel)
    }
  }

  /// Whether ``forward(_:weight:geometry:into:)`` takes this convolution.
  static func applies(to geometry: Convolution.Geometry) -> Bool {
    !geometry.isPointwise && geometry.outputChannels <= maximumOutputChannels
  }

  /// y = x ⋆ W for `x` `[N, H, W, C]`, `weight` `[O, kh, kw, C]` (O ≤ 8), writing `[N, H', W', O]`
  /// into `output`.
  static func forward(
    _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, geometry: Convolution.Geometry,
    into output: UnsafeMutablePointer<Float>
  ) {
    let layout = Layout(outputChannels: geometry.outputChannels)
    let weights = packedWeights(weight, geometry: geometry, layout: layout)
    let planes = Planes(geometry: geometry)
    let work = geometry.outputHeight * geometry.outputWidth * geometry.patchSize * geometry.outputChannels
    weights.withUnsafeBufferPointer { packed in
      Parallelism.forEachRowChunk(rows: geometry.batch, width: work) { images in
        let bytes = planes.count * MemoryLayout<Float>.stride
        let raw = BufferCache.shared.allocate(bytes: bytes)
        defer { BufferCache.shared.release(raw, bytes: bytes) }
        let buffer = raw.bindMemory(to: Float.self, capacity: planes.count)
        buffer.update(repeating: 0, count: planes.count)
        for image in images {
          planes.fill(buffer, from: input + image * geometry.height * geometry.width * geometry.inputChannels)
          convolve(
            buffer, planes: planes, weights: packed.baseAddress!, layout: layout,
            into: output + image * geometry.outputHeight * geometry.outputWidth * geometry.outputChannels)
        }
      }
    }
  }

  /// `[kh·kw·C, layout.outputs]`: weight[o, tap, c] at row (tap·C + c), column o; zeros in the
  /// columns past O.
  static func packedWeights(_ weight: UnsafePointer<Float>, geometry: Convolution.Geometry, layout: Layout) -> [Float] {
    let (patch, outputs) = (geometry.patchSize, layout.outputs)
    var packed = [Float](repeating: 0, count: patch * outputs)
    for output in 0..<geometry.outputChannels {
      for row in 0..<patch { packed[row * outputs + output] = weight[output * patch + row] }
    }
    return packed
  }

  /// The zero-bordered channel planes of one image: `[C, H + 2p, width]`.
  struct Planes {
    let geometry: Convolution.Geometry
    /// Floats per plane row: whole output tiles plus kw − 1.
    let width: Int
    let height: Int
    var plane: Int { width * height }
    var count: Int { geometry.inputChannels * plane }
    var tilesPerRow: Int { (geometry.outputWidth + tileWidth - 1) / tileWidth }

    init(geometry: Convolution.Geometry) {
      self.geometry = geometry
      width = (geometry.outputWidth + tileWidth - 1) / tileWidth * tileWidth + geometry.kernelWidth - 1
      height = geometry.height + 2 * geometry.padding
    }

    /// Copies the `[H, W, C]` image into the interior of the planes (the border stays as it
    /// was: zero). Channels go in blocks of 16 so the block's pixels stay in L1 while it is
    /// scattered over its 16 planes.
    func fill(_ buffer: UnsafeMutablePointer<Float>, from image: UnsafePointer<Float>) {
      let (channels, rowWidth, padding) = (geometry.inputChannels, geometry.width, geometry.padding)
      for row in 0..<geometry.height {
        let source = image + row * rowWidth * channels
        let target = buffer + (row + padding) * width + padding
        for blockStart in stride(from: 0, to: channels, by: 16) {
          for channel in blockStart..<min(blockStart + 16, channels) {
            let planeRow = target + channel * plane
            for column in 0..<rowWidth { planeRow[column] = source[column &* channels &+ channel] }
          }
        }
      }
    }
  }

  /// Every output pixel of one image, in groups of `layout.tiles` tiles of 8 pixels (a group's
  /// missing tiles repeat its last one and are not written).
  static func convolve(
    _ buffer: UnsafePointer<Float>, planes: Planes, weights: UnsafePointer<Float>, layout: Layout,
    into output: UnsafeMutablePointer<Float>
  ) {
    let geometry = planes.geometry
    let tileCount = geometry.outputHeight * planes.tilesPerRow
    for groupStart in stride(from: 0, to: tileCount, by: layout.tiles) {
      let tiles = (0..<layout.tiles).map { min(groupStart + $0, tileCount - 1) }
      let starts = tiles.map { tile in
        buffer + (tile / planes.tilesPerRow) * planes.width + (tile % planes.tilesPerRow) * tileWidth
      }
      let sums = blockSums(starts: starts, planes: planes, weights: weights, layout: layout)
      for (slot, sum) in sums.vectors.enumerated() {
        let (tileSlot, channel) = layout.place(ofSlot: slot)
        let tile = groupStart + tileSlot
        guard tile < tileCount, channel < geometry.outputChannels else { continue }
        let (row, column) = (tile / planes.tilesPerRow, tile % planes.tilesPerRow * tileWidth)
        let pixel = output + (row * geometry.outputWidth + column) * geometry.outputChannels + channel
        for lane in 0..<min(tileWidth, geometry.outputWidth - column) {
          pixel[lane * geometry.outputChannels] = sum[lane]
        }
      }
    }
  }

  /// The 8 accumulators of one group summed over every depth block, blocks in increasing order.
  static func blockSums(
    starts: [UnsafePointer<Float>], planes: Planes, weights: UnsafePointer<Float>, layout: Layout
  ) -> Accumulators {
    let geometry = planes.geometry
    let (channels, patch) = (geometry.inputChannels, geometry.patchSize)
    var total = Accumulators()
    for blockStart in stride(from: 0, to: patch, by: SimdGemm.depthBlock) {
      let blockEnd = min(blockStart + SimdGemm.depthBlock, patch)
      var block = Accumulators()
      var k = blockStart
      while k < blockEnd {
        let (tap, channel) = k.quotientAndRemainder(dividingBy: channels)
        let count = min(blockEnd, (tap + 1) * channels) - k
        let offset = channel * planes.plane + (tap / geometry.kernelWidth) * planes.width + tap % geometry.kernelWidth
        let segment = Segment(offset: offset, count: count, stride: planes.plane, weights: weights + k * layout.outputs)
        switch layout {
        case .eightTiles: block.accumulateEightTiles(starts, segment)
        case .twoTiles: block.accumulateTwoTiles(starts, segment)
        case .oneTile: block.accumulateOneTile(starts[0], segment)
        }
        k += count
      }
      total = blockStart == 0 ? block : total.adding(block)
    }
    return total
  }

  /// Consecutive depth indices of one tap: `count` channels starting `offset` floats into the
  /// planes, `stride` floats apart, with their packed weight rows.
  struct Segment {
    let offset: Int
    let count: Int
    let stride: Int
    let weights: UnsafePointer<Float>
  }

  /// Eight 8-lane sums; slot s belongs to tile s / outputs and output channel s % outputs.
  struct Accumulators {
    var v0 = Vector8(), v1 = Vector8(), v2 = Vector8(), v3 = Vector8()
    var v4 = Vector8(), v5 = Vector8(), v6 = Vector8(), v7 = Vector8()

    var vectors: [Vector8] { [v0, v1, v2, v3, v4, v5, v6, v7] }

    /// Slot by slot self + other: the GEMM's C + block with β = 1.
    func adding(_ other: Accumulators) -> Accumulators {
      Accumulators(
        v0: v0 + other.v0, v1: v1 + other.v1, v2: v2 + other.v2, v3: v3 + other.v3,
        v4: v4 + other.v4, v5: v5 + other.v5, v6: v6 + other.v6, v7: v7 + other.v7)
    }

    /// One output channel, 8 tiles: per channel, 8 loads and one broadcast weight.
    @inline(__always)
    mutating func accumulateEightTiles(_ starts: [UnsafePointer<Float>], _ segment: Segment) {
      let (p0, p1, p2, p3) = (starts[0], starts[1], starts[2], starts[3])
      let (p4, p5, p6, p7) = (starts[4], starts[5], starts[6], starts[7])
      var offset = segment.offset
      for index in 0..<segment.count {
        let weight = Vector8(repeating: segment.weights[index])
        v0 = v0.addingProduct(load(p0, offset), weight); v1 = v1.addingProduct(load(p1, offset), weight)
        v2 = v2.addingProduct(load(p2, offset), weight); v3 = v3.addingProduct(load(p3, offset), weight)
        v4 = v4.addingProduct(load(p4, offset), weight); v5 = v5.addingProduct(load(p5, offset), weight)
        v6 = v6.addingProduct(load(p6, offset), weight); v7 = v7.addingProduct(load(p7, offset), weight)
        offset &+= segment.stride
      }
    }

    /// Up to 4 output channels, 2 tiles: per channel, 2 loads and 4 broadcast weights.
    @inline(__always)
    mutating func accumulateTwoTiles(_ starts: [UnsafePointer<Float>], _ segment: Segment) {
      let (p0, p1) = (starts[0], starts[1])
      var offset = segment.offset
      var weights = segment.weights
      for _ in 0..<segment.count {
        let (x0, x1) = (load(p0, offset), load(p1, offset))
        let (w0, w1) = (Vector8(repeating: weights[0]), Vector8(repeating: weights[1]))
        let (w2, w3) = (Vector8(repeating: weights[2]), Vector8(repeating: weights[3]))
        v0 = v0.addingProduct(x0, w0); v1 = v1.addingProduct(x0, w1); v2 = v2.addingProduct(x0, w2); v3 = v3.addingProduct(x0, w3)
        v4 = v4.addingProduct(x1, w0); v5 = v5.addingProduct(x1, w1); v6 = v6.addingProduct(x1, w2); v7 = v7.addingProduct(x1, w3)
        offset &+= segment.stride
        weights += 4
      }
    }

    /// Up to 8 output channels, 1 tile: per channel, 1 load and 8 broadcast weights.
    @inline(__always)
    mutating func accumulateOneTile(_ start: UnsafePointer<Float>, _ segment: Segment) {
      var offset = segment.offset
      var weights = segment.weights
      for _ in 0..<segment.count {
        let x = load(start, offset)
        v0 = v0.addingProduct(x, Vector8(repeating: weights[0])); v1 = v1.addingProduct(x, Vector8(repeating: weights[1]))
        v2 = v2.addingProduct(x, Vector8(repeating: weights[2])); v3 = v3.addingProduct(x, Vector8(repeating: weights[3]))
        v4 = v4.addingProduct(x, Vector8(repeating: weights[4])); v5 = v5.addingProduct(x, Vector8(repeating: weights[5]))
        v6 = v6.addingProduct(x, Vector8(repeating: weights[6])); v7 = v7.addingProduct(x, Vector8(repeating: weights[7]))
        offset &+= segment.stride
        weights += 8
      }
    }

    @inline(__always)
    private func load(_ start: UnsafePointer<Float>, _ offset: Int) -> Vector8 {
      UnsafeRawPointer(start + offset).loadUnaligned(as: Vector8.self)
    }
  }
}
