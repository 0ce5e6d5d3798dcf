import Foundation

/// The repository root, found from this file's path (`Tests/TestSupport/RepositoryRoot.swift`).
public let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().path
