import Harness
import Testing
import Yams

@Suite("Overrides and sweeps")
struct SweepTests {
  let spec = """
    model:
      depth: 3
      growth: 90
    training:
      iterations: 50000
    """

  @Test("An override replaces a value, keeps its YAML type, and can add a missing key")
  func overridesReplaceAndAdd() throws {
    let root = try SpecLoader.parse(spec, file: "s.yaml")
    let changed = try root.applying([try SpecOverride(parsing: "training.iterations=1000"), try SpecOverride(parsing: "training.batchSize=500")])
    let training = try changed.mapping(allowedKeys: ["model", "training"]).required("training").mapping(allowedKeys: ["iterations", "batchSize"])
    #expect(try training.required("iterations").integer() == 1000)
    #expect(try training.required("batchSize").integer() == 500)
    #expect(try root.mapping(allowedKeys: ["model", "training"]).required("training").mapping(allowedKeys: ["iterations"]).required("iterations").integer() == 50000)
  }

  @Test("A misspelled override key is still caught by the strict reader, and malformed overrides are rejected")
  func badOverridesAreCaught() throws {
    let root = try SpecLoader.parse(spec, file: "s.yaml")
    let changed = try root.applying(try SpecOverride(parsing: "model.groth=108"))
    #expect { _ = try changed.mapping(allowedKeys: ["model", "training"]).required("model").mapping(allowedKeys: ["depth", "growth"]) } throws: { error in
      (error as! SpecError).message.contains("did you mean 'growth'?")
    }
    #expect { _ = try SpecOverride(parsing: "no-equals-sign") } throws: { ($0 as! SpecError).message.contains("key.path=value") }
    #expect { _ = try SpecOverride(parsing: "model..depth=3") } throws: { ($0 as! SpecError).message.contains("empty key") }
    #expect { _ = try root.applying(try SpecOverride(parsing: "model.depth.inner=3")) } throws: { error in
      (error as! SpecError).description.hasPrefix("s.yaml:2:10: model.depth: cannot set 'model.depth.inner'")
    }
  }

  @Test("Sweeps expand as a cartesian product in declared order, with stable, unique run identifiers")
  func sweepExpandsInDeclaredOrder() throws {
    let axes = [
      SweepAxis(path: ["model", "coefficient"], values: [Node("0.93"), Node("0.98")]),
      SweepAxis(path: ["model", "depth"], values: [Node("3"), Node("4"), Node("5")]),
    ]
    let points = SweepExpansion.expand(axes)
    #expect(points.count == 6)
    #expect(points.map { $0.assignments.map(\.description) }.prefix(4) == [
      ["model.coefficient=0.93", "model.depth=3"], ["model.coefficient=0.93", "model.depth=4"],
      ["model.coefficient=0.93", "model.depth=5"], ["model.coefficient=0.98", "model.depth=3"],
    ])
    #expect(points[4].runIdentifier == "004-model.coefficient=0.98-model.depth=4")
    #expect(Set(points.map(\.runIdentifier)).count == 6)
    #expect(SweepExpansion.expand(axes) == points)
    #expect(SweepExpansion.expand([]).count == 1)
  }

  @Test("Each sweep point applies its assignments to the base spec")
  func sweepPointsApplyToTheSpec() throws {
    let root = try SpecLoader.parse(spec, file: "s.yaml")
    let points = SweepExpansion.expand([SweepAxis(path: ["model", "growth"], values: [Node("90"), Node("108")])])
    let growths = try points.map { point in
      try root.applying(point.assignments).mapping(allowedKeys: ["model", "training"]).required("model")
        .mapping(allowedKeys: ["depth", "growth"]).required("growth").integer()
    }
    #expect(growths == [90, 108])
  }
}
