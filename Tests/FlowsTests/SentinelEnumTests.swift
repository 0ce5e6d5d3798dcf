import FlowCore
import Flows
import Testing

@Suite("Enums in place of flags")
struct SentinelEnumTests {
  @Test("A convolutional branch without a leading activation starts with its convolution, on the unwidened input")
  func omittedLeadingActivation() {
    var random = RandomStream(seed: 1)
    let omitted = ConvolutionalBranch(
      name: "first", channels: 2, hidden: [4, 4], activation: .concatenatedLipSwish, coefficient: 0.9, leadingActivation: .omitted, random: &random)
    let included = ConvolutionalBranch(
      name: "later", channels: 2, hidden: [4, 4], activation: .concatenatedLipSwish, coefficient: 0.9, leadingActivation: .included, random: &random)
    #expect(omitted.activations[0] == nil)
    #expect(included.activations[0] != nil)
    #expect(omitted.convolutions[0].weight.value.shape[3] == 2)
    #expect(included.convolutions[0].weight.value.shape[3] == 4)
  }

  @Test("A near-zero linear layer starts at 1/1000 of the same standard draw")
  func nearZeroInitialization() {
    var first = RandomStream(seed: 2)
    var second = RandomStream(seed: 2)
    let standard = LipschitzLinear(name: "s", inputSize: 3, outputSize: 2, coefficient: 0.9, random: &first)
    let nearZero = LipschitzLinear(name: "z", inputSize: 3, outputSize: 2, coefficient: 0.9, initialization: .nearZero, random: &second)
    #expect(nearZero.weight.value.scalars == (standard.weight.value * 1e-3).scalars)
  }

  @Test("ELU has no raw slope and LipSwish and CLipSwish each have one")
  func activationParameters() {
    #expect(Activation(.elu, name: "e").rawSlope == nil)
    #expect(Activation(.lipSwish, name: "l").parameters.map(\.name) == ["l.rawSlope"])
    #expect(Activation(.concatenatedLipSwish, name: "c").parameters.map(\.name) == ["c.rawSlope"])
  }
}
