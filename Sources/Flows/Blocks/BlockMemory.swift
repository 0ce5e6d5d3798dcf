/// What a residual block keeps between the forward and the backward pass of training.
public enum BlockMemory: Sendable, Equatable {
  /// The block's whole graph (g's activations and the log-determinant's products) stays in
  /// memory until the backward pass: fastest; memory grows with depth and width.
  case store
  /// Only the block's input, its output (twice: see ``FlowCore/Variable/recomputed(_:inputs:replay:)``),
  /// the probe and (for Neumann gradients) the Neumann vector are kept; the backward pass
  /// recomputes g and the differentiable product one block at a time (gradient checkpointing).
  /// Memory of about one block's graph, for one more evaluation of g and one more
  /// vector-Jacobian product per block. The reference's `--mem-eff` serves the same end
  /// (reference-implementations.md §2.5) by another route.
  ///
  /// Applies to training with a series estimator (Russian roulette, power series) and estimated
  /// log-determinants; elsewhere (exact log-determinants, a classifier's pass that skips them,
  /// evaluation) the block stores its graph as with ``store``. With Neumann gradients the
  /// log-determinant's value is the series estimate itself, where the stored graph gives
  /// surrogate + (estimate − surrogate): equal up to the last bits.
  case recompute
}
