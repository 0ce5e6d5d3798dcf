import FlowCore

/// A fully connected branch on flattened images (the 4 blocks at the end of the image models):
/// `[N, H, W, C]` is flattened to `[N, D]`, passed through `branch`, and reshaped back.
public final class FlattenedBranch: ResidualBranch {
  /// The branch on `[N, D]`.
  public let branch: any ResidualBranch

  /// Wraps a branch on flat vectors.
  public init(_ branch: any ResidualBranch) { self.branch = branch }

  public var parameters: [Parameter] { branch.parameters }
  public var lipschitzLayers: [any LipschitzLayer] { branch.lipschitzLayers }

  public var concatenationLayers: [any ConcatenationLayer] { branch.concatenationLayers }

  public func callAsFunction(_ input: Variable) -> Variable {
    let batch = input.shape[0]
    return branch(input.reshaped([batch, input.value.count / batch])).reshaped(input.shape)
  }
}
