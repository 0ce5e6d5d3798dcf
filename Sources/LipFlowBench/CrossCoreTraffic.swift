import FlowCore
import Foundation

/// What it costs a thread to write or read a buffer that the other thread of the pool wrote last,
/// against the same work on a buffer it wrote itself.
///
/// A two-thread step hands buffers between cores all the time: `BufferCache` reuses a buffer
/// whichever core wrote each half of it last, and weight gradients and column-split products read
/// rows the other core wrote. Each such cache line moves between the cores' private caches (through
/// the shared L3 when both vCPUs sit on one, across the package when they do not), so this ratio
/// is one of the things that differ between VMs while the FMA peak does not.
///
/// Each round, on the two threads of the pool (chunk 0 and chunk 1 of one parallel loop run on
/// different threads): the first writes the buffer; the second writes it (timed: lines owned by the
/// other core), writes it again (timed: its own lines), and the first reads it (timed: lines the
/// other core wrote) and reads it again (timed: lines now in its own cache too).
struct CrossCoreTraffic {
  let rounds: Int
  /// Floats in the buffer: 64 Ki, 256 KB, the size of a toy activation `[500, 128]`.
  let count = 1 << 16

  struct Figures {
    var remoteWriteSeconds: Double
    var localWriteSeconds: Double
    var remoteReadSeconds: Double
    var localReadSeconds: Double
  }

  /// Median seconds of each access over the rounds, or nil with fewer than two threads.
  func measure() -> Figures? {
    guard Parallelism.threadCount >= 2 else { return nil }
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    buffer.initialize(repeating: 0, count: count)
    var samples: [[Double]] = Array(repeating: [], count: 4)
    var sink: Float = 0
    for round in 0..<(rounds + 10) {
      let value = Float(round)
      onThread(0) { _ = write(buffer, value) }
      var remoteWrite = 0.0, localWrite = 0.0, remoteRead = 0.0, localRead = 0.0
      onThread(1) {
        remoteWrite = write(buffer, value + 1)
        localWrite = write(buffer, value + 2)
      }
      onThread(0) {
        (remoteRead, sink) = read(buffer, into: sink)
        (localRead, sink) = read(buffer, into: sink)
      }
      guard round >= 10 else { continue }
      for (index, seconds) in [remoteWrite, localWrite, remoteRead, localRead].enumerated() { samples[index].append(seconds) }
    }
    if sink == .infinity { BenchReport.say("\(sink)") }
    let medians = samples.map { $0.sorted()[$0.count / 2] }
    return Figures(remoteWriteSeconds: medians[0], localWriteSeconds: medians[1], remoteReadSeconds: medians[2], localReadSeconds: medians[3])
  }

  /// Runs `body` on the thread that takes chunk `chunk` of a two-chunk parallel loop.
  func onThread(_ chunk: Int, _ body: () -> Void) {
    withoutActuallyEscaping(body) { body in
      Parallelism.forEachChunk(count: 2, minimumParallelCount: 1, alignment: 1) { range in
        if range.lowerBound == chunk { body() }
      }
    }
  }

  /// Seconds to fill the buffer with `value`, four 8-lane stores per iteration (the loop's own
  /// overhead well below one store per cycle).
  func write(_ buffer: UnsafeMutablePointer<Float>, _ value: Float) -> Double {
    let start = BenchReport.seconds()
    let vector = SIMD8<Float>(repeating: value)
    let raw = UnsafeMutableRawPointer(buffer)
    var offset = 0
    while offset < count * 4 {
      raw.storeBytes(of: vector, toByteOffset: offset, as: SIMD8<Float>.self)
      raw.storeBytes(of: vector, toByteOffset: offset &+ 32, as: SIMD8<Float>.self)
      raw.storeBytes(of: vector, toByteOffset: offset &+ 64, as: SIMD8<Float>.self)
      raw.storeBytes(of: vector, toByteOffset: offset &+ 96, as: SIMD8<Float>.self)
      offset &+= 128
    }
    return BenchReport.seconds() - start
  }

  /// Seconds to sum the buffer (four independent chains), and `sink` plus the sum.
  func read(_ buffer: UnsafeMutablePointer<Float>, into sink: Float) -> (Double, Float) {
    let start = BenchReport.seconds()
    let raw = UnsafeRawPointer(buffer)
    var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
    var offset = 0
    while offset < count * 4 {
      sums.0 += raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
      sums.1 += raw.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD8<Float>.self)
      sums.2 += raw.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD8<Float>.self)
      sums.3 += raw.loadUnaligned(fromByteOffset: offset &+ 96, as: SIMD8<Float>.self)
      offset &+= 128
    }
    let seconds = BenchReport.seconds() - start
    return (seconds, sink + (sums.0 + sums.1 + sums.2 + sums.3).sum())
  }

  /// The read ratio (the other core's lines over one's own) over 200 rounds with `threads`
  /// threads, or nil with one thread: whether the cores hand lines to each other fast or slowly
  /// at this moment, the state that makes two-thread figures of one binary flip between two
  /// levels from minute to minute. Takes a few milliseconds.
  static func currentReadRatio(threads: Int) -> Double? {
    guard threads > 1, let figures = Parallelism.withThreads(threads, { CrossCoreTraffic(rounds: 200).measure() }) else { return nil }
    return figures.remoteReadSeconds / figures.localReadSeconds
  }

  /// Prints `bench host_cross_core_write_ratio` and `…_read_ratio` (the other core's lines over
  /// one's own), with the times in the comments.
  func run(threads: Int) {
    guard let figures = Parallelism.withThreads(max(threads, 2), { measure() }) else { return }
    let note = "median of \(rounds) rounds, a 256 KB buffer, two threads"
    BenchReport.report(
      "host_cross_core_write_ratio", figures.remoteWriteSeconds / figures.localWriteSeconds, "x",
      String(format: "writing lines the other core wrote last, %.2f us, over rewriting one's own, %.2f us; ", 1e6 * figures.remoteWriteSeconds, 1e6 * figures.localWriteSeconds) + note)
    BenchReport.report(
      "host_cross_core_read_ratio", figures.remoteReadSeconds / figures.localReadSeconds, "x",
      String(format: "reading lines the other core wrote, %.2f us, over reading them again, %.2f us", 1e6 * figures.remoteReadSeconds, 1e6 * figures.localReadSeconds))
  }
}
