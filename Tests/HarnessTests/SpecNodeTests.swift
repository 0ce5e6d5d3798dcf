import Harness
import Testing

enum Family: String, CaseIterable { case iresnet, resflow, idensenet }

@Suite("Strict spec reading")
struct SpecNodeTests {
  let text = """
    name: table1
    model:
      family: resflow
      coefficient: 0.9
      blocks: 10
    sweep:
      - 1
      - 2
    """

  func model(_ yaml: String) throws -> (SpecMapping, SpecNode) {
    let root = try SpecLoader.parse(yaml, file: "spec.yaml").mapping(allowedKeys: ["name", "model", "sweep"])
    let model = try root.required("model")
    return (try model.mapping(allowedKeys: ["family", "coefficient", "blocks"]), model)
  }

  @Test("Valid values are read with their types")
  func validSpecIsRead() throws {
    let (model, _) = try model(text)
    #expect(try model.required("family").choice(Family.self) == .resflow)
    #expect(try model.required("coefficient").number(allowed: "(0, 1)") { $0 > 0 && $0 < 1 } == 0.9)
    #expect(try model.required("blocks").integer(in: 1...1000) == 10)
    let root = try SpecLoader.parse(text).mapping(allowedKeys: ["name", "model", "sweep"])
    #expect(try root.required("sweep").sequence().map { try $0.integer() } == [1, 2])
    #expect(root.keys == ["name", "model", "sweep"])
  }

  @Test("A misspelled key is rejected with its line, column, key path and a suggestion")
  func misspelledKeyIsRejected() throws {
    let yaml = text.replacingOccurrences(of: "coefficient:", with: "coeficient:")
    #expect {
      _ = try model(yaml)
    } throws: { error in
      let error = error as! SpecError
      return error.description == "spec.yaml:4:3: model.coeficient: unknown key 'coeficient'; allowed: family, coefficient, blocks; did you mean 'coefficient'?"
    }
  }

  @Test("A value out of range names the allowed range")
  func outOfRangeValueIsRejected() throws {
    let (model, _) = try model(text.replacingOccurrences(of: "0.9", with: "1.2"))
    #expect {
      _ = try model.required("coefficient").number(allowed: "in (0, 1)") { $0 > 0 && $0 < 1 }
    } throws: { error in
      (error as! SpecError).description == "spec.yaml:4:16: model.coefficient: 1.2 is out of range; allowed: in (0, 1)"
    }
  }

  @Test("A wrong type, an unknown choice and a missing key are each reported where they are")
  func wrongTypesAndMissingKeysAreRejected() throws {
    let (model, node) = try model(text.replacingOccurrences(of: "blocks: 10", with: "blocks: ten").replacingOccurrences(of: "family: resflow", with: "family: resflw"))
    #expect { _ = try model.required("blocks").integer(in: 1...1000) } throws: { error in
      (error as! SpecError).description == "spec.yaml:5:11: model.blocks: expected an integer, found 'ten'"
    }
    #expect { _ = try model.required("family").choice(Family.self) } throws: { error in
      (error as! SpecError).description == "spec.yaml:3:11: model.family: 'resflw' is not allowed; allowed: iresnet, resflow, idensenet; did you mean 'resflow'?"
    }
    #expect { _ = try model.required("depth") } throws: { error in
      let error = error as! SpecError
      return error.keyPath == "model" && error.message == "missing required key 'depth'" && error.line == node.line
    }
  }

  @Test("Syntax errors and duplicate keys carry their line and column")
  func syntaxErrorsAreLocated() {
    #expect { _ = try SpecLoader.parse("name: a\nmodel: [1, 2\nother: 3\n", file: "bad.yaml") } throws: { error in
      let error = error as! SpecError
      return error.file == "bad.yaml" && error.line >= 2 && error.message.hasPrefix("YAML syntax error")
    }
    #expect { _ = try SpecLoader.parse("name: a\nname: b\n", file: "dup.yaml") } throws: { error in
      let error = error as! SpecError
      return error.file == "dup.yaml" && error.message.contains("duplicate keys name")
    }
    #expect { _ = try SpecLoader.load(path: "/nonexistent/spec.yaml") } throws: { error in
      (error as! SpecError).description == "/nonexistent/spec.yaml:0:0: cannot read the file (missing or unreadable)"
    }
  }
}
