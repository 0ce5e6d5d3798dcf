/// The layers that make up one run's configuration, in the order they are applied: each later
/// layer wins over the earlier ones, key by key. This is the one place the order is written down
/// (the README's "Experiment specs" section repeats it).
///
/// 1. ``file``: the spec as written.
/// 2. ``profile``: `profiles.<name>`, key paths into the file.
/// 3. ``commandLine``: `--set key.path=value`, key paths into the file.
/// 4. ``imageOverlay``: on an image column, `models.<row>.image` over the model's own keys.
/// 5. ``datasetOverlays``: `datasets.<column>.model`, `.training` and `.evaluation` over the
///    model and the top-level `training` and `evaluation` blocks.
/// 6. ``sweepPoint``: the run's sweep assignments, key paths into the run: the global `sweep`
///    axes, then `models.<row>.sweep`'s, then the replicate seed (`seeds`).
/// 7. ``budgetMatch``: a growth given as `{match: <model>}` replaced by the matched number.
///
/// Layers 1–3 act on the spec file (``ExperimentPlan``); 4–7 on the tree of one run
/// (``RunExpansion``, ``RunSpec``), whose resolved form is the run's `spec.yaml`.
enum OverrideLayer: Int, CaseIterable {
  /// The spec file as written.
  case file
  /// The chosen profile's overrides.
  case profile
  /// The command line's `--set` overrides.
  case commandLine
  /// `models.<row>.image`, on image columns.
  case imageOverlay
  /// `datasets.<column>.model`, `.training`, `.evaluation`.
  case datasetOverlays
  /// The run's sweep point: global axes, the model's own axes, the replicate seed.
  case sweepPoint
  /// The growth matched to another model's parameter count.
  case budgetMatch
}
