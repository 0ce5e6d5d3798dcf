import Foundation
import Harness

/// A small complete spec: one model per family on 2 moons, tiny budgets.
let smallSpec = """
  experiment: {name: small}
  seed: 3
  models:
    resflow: {family: resflow, blocks: 2, hidden: [16, 16], coefficient: 0.9}
    idensenet:
      family: idensenet
      blocks: 2
      depth: 2
      growth: 8
      coefficient: 0.9
      concatenation: {coefficient: 0.98, learnable: true, start: 5}
  datasets:
    moons: {kind: toy, distribution: 2moons}
    mnist: {kind: mnist, path: /nonexistent/mnist}
  training:
    iterations: 30
    batch_size: 64
    optimizer: {name: adam, learning_rate: 1.0e-3}
    checkpoint_every: 10
    log_every: 5
  evaluation: {every: 15, test_samples: 500, test_seed: 9}
  table:
    rows: [resflow, idensenet]
    columns: [moons, mnist]
    reference: {resflow: {moons: 2.6}}
  """

/// A trainer for `run` in `directory` with fixed provenance and no figures.
func trainer(_ run: RunSpec, in directory: String, threads: Int = 1) -> RunTrainer {
  RunTrainer(
    run: run, directory: directory, specFile: "small.yaml", experiment: "small", profile: "paper", overrides: [], commit: "test",
    host: "test", threads: threads, figures: .skip)
}
