import FlowCore
import Flows

/// One entry of the reference `state_dict` of a model.
struct ReferenceEntry {
  /// The reference's name (`chain.3.nnet.1.weight`).
  var name: String
  /// The reference's shape.
  var shape: [Int]
  /// What it is in our model.
  var target: ReferenceTarget
}

/// What one tensor of a reference `state_dict` is in our model.
enum ReferenceTarget {
  /// A parameter; ours[i] = reference[permutation[i]] (nil: the same order).
  case parameter(Parameter, permutation: [Int]?)
  /// u (`index` 0) or v (1) of a Lipschitz layer, stored by us as `ourShape`; ours[i] = reference[permutation[i]].
  case singularVector(any LipschitzLayer, index: Int, ourShape: [Int], permutation: [Int]?)
  /// u or v of a 1×1 convolution: the reference keeps a channel vector (`[C]`), we keep the
  /// operator's vector `[1, H, W, C]`; a converged operator vector is the channel vector times a
  /// constant spatial vector 1/√(HW).
  case channelSingularVector(LipschitzConvolution, index: Int, height: Int, width: Int, permutation: [Int]?)
  /// K₁ (`component` 0) or K₂ (1) of a dense layer; nil when the concatenation is fixed (then the
  /// file must hold 1).
  case concatenation(Parameter?, component: Int)
  /// ActNorm's `initialized` flag.
  case initializedFlag(ActNorm)
  /// A buffer that does not affect the density (`geom_p`, `lamb`, the estimator's logging
  /// buffers, the cached `scale`, a convolution's `spatial_dims` and `initialized`): written on
  /// export with the value the reference would hold, shape-checked and otherwise ignored on import.
  case ignored(Tensor)
}
