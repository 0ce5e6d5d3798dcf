import FlowCore

/// The random part of one series estimate: the term weights c(1…K) and the Hutchinson probe v,
/// shaped like the block's input. Drawn once per forward pass, in this order, so that a block
/// recomputed in the backward pass (``BlockMemory/recompute``) uses the same estimate.
struct SeriesDraw {
  /// c(k) for k = 1…K (all 1 for a fixed power series; Russian-roulette reweighting otherwise).
  let weights: [Double]
  /// v ~ N(0, I), shaped like x.
  let probe: Tensor

  /// Draws the weights, then the probe, from `random`.
  init(_ estimator: LogDeterminantEstimator, shape: [Int], random: inout RandomStream) {
    weights = estimator.seriesWeights(&random)
    probe = Tensor.randomNormal(shape: shape, stream: &random)
  }
}
