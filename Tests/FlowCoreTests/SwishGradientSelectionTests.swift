import FlowCore
import Testing

@Suite("Swish gradient selection")
struct SwishGradientSelectionTests {
  @Test("Only the selected swish gradients are computed, and they equal those of a full selection")
  func onlySelectedGradientsAreComputed() {
    var random = RandomStream(seed: 1)
    let input = Tensor.randomNormal(shape: [3, 5], stream: &random)
    let multiplier = Tensor.randomNormal(shape: [3, 5], stream: &random)
    let upstream = Tensor.randomNormal(shape: [3, 5], stream: &random)
    func gradients(_ selection: SwishGradientSelection, multiplier: Tensor? = multiplier) -> (multiplier: Tensor?, input: Tensor?, slope: Float?) {
      SwishKernels.gradients(order: 1, input: input, slope: 0.8, scale: 0.9, multiplier: multiplier, upstream: upstream, selection: selection)
    }
    let all = gradients([.multiplier, .input, .slope])
    let inputOnly = gradients(.input)
    #expect(inputOnly.multiplier == nil && inputOnly.slope == nil)
    #expect(inputOnly.input == all.input)
    let slopeOnly = gradients(.slope)
    #expect(slopeOnly.multiplier == nil && slopeOnly.input == nil)
    #expect(slopeOnly.slope == all.slope)
    #expect(gradients(.multiplier).multiplier == all.multiplier)
    #expect(gradients(.multiplier, multiplier: nil).multiplier == nil)
  }
}
