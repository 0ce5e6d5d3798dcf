import Foundation
import Harness
import LipFlowTestSupport
import Testing

/// The committed specs' run identifiers and resolved YAML name the directories and hashes of
/// committed results, so changes to the spec reader must leave them byte for byte as they were.
@Suite("Resolved spec stability")
struct ResolvedSpecStabilityTests {
  /// `spec profile identifier hash` for every run of every profile of the committed specs, and
  /// `spec profile (plan) hash` for the whole resolved file, recorded before the safety checks.
  /// lipschitz-sweep's two (plan) hashes were recorded again when the file gained its `ci`
  /// profile (the resolved file holds the profiles; every run's hash stayed as it was); its `ci`
  /// runs and depth-sweep.yaml were recorded when they were added. table1's paper image runs and
  /// its three (plan) hashes were recorded again when the paper profile gained `memory: recompute`
  /// for the image models (no paper image run had been trained; every toy run's hash is unchanged).
  static let recorded = """
    table1 paper (plan) a9d4e2d79f8e533e
    table1 paper resflow-circles 283ee3613a92e0b8
    table1 paper resflow-checkerboard 1dc748c2b1dbf304
    table1 paper resflow-moons 040c746d81b22562
    table1 paper resflow-mnist ffb15639fdd382d3
    table1 paper resflow-cifar10 76058608adde1934
    table1 paper idensenet-circles 7ebd0ff024626fdd
    table1 paper idensenet-checkerboard ee319e07402c9a4b
    table1 paper idensenet-moons 44ff53e531807673
    table1 paper idensenet-mnist 4f7c2afbb4a5e756
    table1 paper idensenet-cifar10 adb53fea9b4087f9
    table1 paper idensenet-lc-circles 01046f9f4235c267
    table1 paper idensenet-lc-checkerboard 483da510de21aec1
    table1 paper idensenet-lc-moons f9fab5f1344ec3fd
    table1 paper idensenet-lc-mnist 4aef290272699ed5
    table1 paper idensenet-lc-cifar10 a04c4d50505afc2c
    table1 quick (plan) a898dbf7ab1ef241
    table1 quick resflow-circles 72bf78b2508b34b3
    table1 quick resflow-checkerboard 2b1af535f16293d7
    table1 quick resflow-moons 8fca3a8f4068af45
    table1 quick resflow-mnist ca269533d11e1a3d
    table1 quick resflow-cifar10 4b7ab3883ecbb260
    table1 quick idensenet-circles 99091a3a8ca80766
    table1 quick idensenet-checkerboard bf8aef1fc7b0b2a4
    table1 quick idensenet-moons b676ec2316a7a1ec
    table1 quick idensenet-mnist de6fa30b26d231bc
    table1 quick idensenet-cifar10 9f6a3226e3a4fda7
    table1 quick idensenet-lc-circles c2c37e0ccf559c23
    table1 quick idensenet-lc-checkerboard 8d99cc896732a1a7
    table1 quick idensenet-lc-moons f65d88843f7f3935
    table1 quick idensenet-lc-mnist 0f97292157fc4d19
    table1 quick idensenet-lc-cifar10 76fc2444c01ced34
    table1 ci (plan) 34e034c7dc0c3d19
    table1 ci resflow-circles 91f888df56bef7d2
    table1 ci resflow-checkerboard d4cf1dcb6a4e3010
    table1 ci resflow-moons 5aeedcc7f8a87774
    table1 ci resflow-mnist ff1561c165eb821e
    table1 ci resflow-cifar10 0ecc62b0f65c83c0
    table1 ci idensenet-circles b35a6b31a7b0e693
    table1 ci idensenet-checkerboard 479fc47b9e7d33ab
    table1 ci idensenet-moons 7f90f7bb0bd87f41
    table1 ci idensenet-mnist 612b6bd2f5fab376
    table1 ci idensenet-cifar10 76f976594f6c3408
    table1 ci idensenet-lc-circles d68f041e8242a7e8
    table1 ci idensenet-lc-checkerboard 5f6e7c9d5c62144a
    table1 ci idensenet-lc-moons 82bc7bbd0ac8f54a
    table1 ci idensenet-lc-mnist 50dae11019cba204
    table1 ci idensenet-lc-cifar10 9d2b866e2830b64e
    lipschitz-sweep paper (plan) e52126f599830128
    lipschitz-sweep paper idensenet-moons-model.coefficient=0.93-model.depth=3-model.growth=64 29f4d2c46454c554
    lipschitz-sweep paper idensenet-moons-model.coefficient=0.93-model.depth=3-model.growth=90 8111ea84e57f74bb
    lipschitz-sweep paper idensenet-moons-model.coefficient=0.93-model.depth=4-model.growth=64 b8ad5fb7bbc9e7db
    lipschitz-sweep paper idensenet-moons-model.coefficient=0.93-model.depth=4-model.growth=90 643f92d2377c833c
    lipschitz-sweep paper idensenet-moons-model.coefficient=0.98-model.depth=3-model.growth=64 13568c0e0bc2993b
    lipschitz-sweep paper idensenet-moons-model.coefficient=0.98-model.depth=3-model.growth=90 97b0313b3e11a0d4
    lipschitz-sweep paper idensenet-moons-model.coefficient=0.98-model.depth=4-model.growth=64 a535e67e166a48f4
    lipschitz-sweep paper idensenet-moons-model.coefficient=0.98-model.depth=4-model.growth=90 7a69daddd967db33
    lipschitz-sweep quick (plan) 32db398bba24cb90
    lipschitz-sweep quick idensenet-moons-model.coefficient=0.93-model.depth=3-model.growth=64 302be95c8a5754cc
    lipschitz-sweep quick idensenet-moons-model.coefficient=0.93-model.depth=3-model.growth=90 1a6971d9e1decd23
    lipschitz-sweep quick idensenet-moons-model.coefficient=0.93-model.depth=4-model.growth=64 666e88eda81bdfc3
    lipschitz-sweep quick idensenet-moons-model.coefficient=0.93-model.depth=4-model.growth=90 b59a00b46b7fbb54
    lipschitz-sweep quick idensenet-moons-model.coefficient=0.98-model.depth=3-model.growth=64 ad90ef352e65dda3
    lipschitz-sweep quick idensenet-moons-model.coefficient=0.98-model.depth=3-model.growth=90 9d046c013dd0444c
    lipschitz-sweep quick idensenet-moons-model.coefficient=0.98-model.depth=4-model.growth=64 392a60fcec725fec
    lipschitz-sweep quick idensenet-moons-model.coefficient=0.98-model.depth=4-model.growth=90 533f9be268e8133b
    lipschitz-sweep ci (plan) 658831cd431c041d
    lipschitz-sweep ci idensenet-moons-model.coefficient=0.93-model.depth=3-model.growth=64 7fb9afc1ef2c40ef
    lipschitz-sweep ci idensenet-moons-model.coefficient=0.93-model.depth=3-model.growth=90 f453d3891d9a8ac8
    lipschitz-sweep ci idensenet-moons-model.coefficient=0.93-model.depth=4-model.growth=64 57ead68e5de4fae0
    lipschitz-sweep ci idensenet-moons-model.coefficient=0.93-model.depth=4-model.growth=90 9900bbc9f722234f
    lipschitz-sweep ci idensenet-moons-model.coefficient=0.98-model.depth=3-model.growth=64 4b80af50371ee900
    lipschitz-sweep ci idensenet-moons-model.coefficient=0.98-model.depth=3-model.growth=90 c935d04acda24dc7
    lipschitz-sweep ci idensenet-moons-model.coefficient=0.98-model.depth=4-model.growth=64 8a5967b579a87e4f
    lipschitz-sweep ci idensenet-moons-model.coefficient=0.98-model.depth=4-model.growth=90 66922aa2db5e9fe0
    depth-sweep paper (plan) 8e0b3b5550a7bd0d
    depth-sweep paper resflow-moons 6762f493b0af145f
    depth-sweep paper idensenet-moons-model.depth=2 8c19836ecca5203b
    depth-sweep paper idensenet-moons-model.depth=3 a655a73095bea72c
    depth-sweep paper idensenet-moons-model.depth=4 e8b46e7d840861f5
    depth-sweep quick (plan) eee9d81dae004438
    depth-sweep quick resflow-moons 0fe0a79a87dffa4e
    depth-sweep quick idensenet-moons-model.depth=2 035766d32c3a3202
    depth-sweep quick idensenet-moons-model.depth=3 36dc89b5424060b5
    depth-sweep quick idensenet-moons-model.depth=4 6adede251b405b5c
    depth-sweep ci (plan) 52bec04761e76139
    depth-sweep ci resflow-moons f992ae747f3da0a1
    depth-sweep ci idensenet-moons-model.depth=1 29580d5089841954
    depth-sweep ci idensenet-moons-model.depth=2 ea02791b1c617103
    """

  /// The lines of ``recorded`` as computed now.
  static func current() throws -> String {
    var lines: [String] = []
    let profiles = [("table1", ["paper", "quick", "ci"]), ("lipschitz-sweep", ["paper", "quick", "ci"]), ("depth-sweep", ["paper", "quick", "ci"])]
    for (spec, names) in profiles {
      for profile in names {
        let plan = try ExperimentPlan.load(path: repositoryRoot + "/experiments/\(spec).yaml", profile: profile)
        lines.append("\(spec) \(profile) (plan) \(Provenance.hash(plan.resolvedYAML))")
        lines += plan.runs.map { "\(spec) \(profile) \($0.identifier) \(Provenance.hash($0.resolvedYAML))" }
      }
    }
    return lines.joined(separator: "\n")
  }

  @Test("Every run of the committed specs keeps its identifier and its resolved YAML in every profile")
  func committedSpecsResolveAsBefore() throws {
    let now = try ResolvedSpecStabilityTests.current()
    if now != ResolvedSpecStabilityTests.recorded { print(now) }
    #expect(now == ResolvedSpecStabilityTests.recorded)
  }
}
