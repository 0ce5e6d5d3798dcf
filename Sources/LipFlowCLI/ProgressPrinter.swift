import ArgumentParser
import Foundation
import Harness

/// How progress is shown.
enum ProgressStyle: String, ExpressibleByArgument, CaseIterable {
  /// A live status line on a terminal, plain lines otherwise.
  case auto
  /// A live status line.
  case bar
  /// One line per logging point.
  case lines
  /// Nothing but the start and end of runs.
  case none
}

/// Prints training progress as a live line (terminal) or as plain lines.
final class ProgressPrinter {
  let live: Bool
  let quiet: Bool
  let position: String
  var drew = false

  init(style: ProgressStyle, position: String) {
    live = style == .bar || (style == .auto && isatty(STDERR_FILENO) != 0)
    quiet = style == .none
    self.position = position
  }

  func show(_ progress: TrainingProgress) {
    guard !quiet else { return }
    let remaining = Double(progress.iterations - progress.iteration) / max(progress.iterationsPerSecond, 1e-9)
    var text = String(
      format: "[%@] %@ it %d/%d loss %.4f %.1f it/s ETA %@", position, progress.run, progress.iteration, progress.iterations, progress.loss,
      progress.iterationsPerSecond, TableReport.duration(remaining))
    if let nll = progress.testNLL { text += String(format: " test NLL %.4f", nll) }
    if let accuracy = progress.testAccuracy { text += String(format: " accuracy %.2f %%", 100 * accuracy) }
    if live {
      FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
      drew = true
    } else {
      say(text)
    }
  }

  func finish() {
    if drew { FileHandle.standardError.write(Data("\n".utf8)) }
    drew = false
  }
}
