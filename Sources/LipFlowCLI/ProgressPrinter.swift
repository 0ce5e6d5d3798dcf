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
    let text = progress.line(position: position)
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
