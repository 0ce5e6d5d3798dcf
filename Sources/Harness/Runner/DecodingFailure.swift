import Foundation

/// One-line descriptions of `DecodingError`s (key path and what was wrong), for messages.
public enum DecodingFailure {
  /// `key.path: expected …` for a decoding error, the error's own words otherwise.
  public static func describe(_ error: Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func path(_ context: DecodingError.Context) -> String {
      let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
      return text.isEmpty ? "" : text + ": "
    }
    switch error {
    case .typeMismatch(let type, let context): return "\(path(context))expected \(type)"
    case .valueNotFound(let type, let context): return "\(path(context))missing \(type) value"
    case .keyNotFound(let key, let context): return "\(path(context))missing key '\(key.stringValue)'"
    case .dataCorrupted(let context): return "\(path(context))\(context.debugDescription)"
    @unknown default: return "\(error)"
    }
  }
}
