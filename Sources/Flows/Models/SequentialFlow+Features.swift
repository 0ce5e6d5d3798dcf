import FlowCore

extension SequentialFlow {
  /// The forward pass of ``forward(_:context:)`` that also keeps the output of the flows at
  /// `positions` (indices into ``flows``, ascending): f(x), the summed log-determinant and those
  /// intermediate values, in order (the features of a ``ClassificationHead``).
  public func forward(_ input: Variable, context: inout FlowContext, keeping positions: [Int]) -> (output: FlowOutput, features: [Variable]) {
    var value = input
    var total: Variable? = nil
    var features: [Variable] = []
    var next = positions.makeIterator()
    var wanted = next.next()
    for (index, flow) in flows.enumerated() {
      let output = flow.forward(value, context: &context)
      value = output.value
      total = total.map { $0 + output.logDeterminant } ?? output.logDeterminant
      if index == wanted {
        features.append(value)
        wanted = next.next()
      }
    }
    return (FlowOutput(value: value, logDeterminant: total ?? Variable(Tensor.zeros([input.shape[0]]))), features)
  }
}
