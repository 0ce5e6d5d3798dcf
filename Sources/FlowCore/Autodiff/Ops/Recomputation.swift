// MARK: - Recomputation (gradient checkpointing)

extension Variable {
  /// Outputs whose graph is not kept: one node stands for the whole computation, and its backward
  /// rule calls `replay` to rebuild the graph, differentiates it, and lets it go.
  ///
  /// The caller has already computed `values` (by any route: for instance a series evaluated
  /// without a graph); `replay` must rebuild outputs of the same shapes from stand-ins of
  /// `inputs` whose gradients are the wanted ones. Leaf inputs (parameters) are passed as
  /// themselves, so a replay may also reach them through the layers that own them; every other
  /// input is replaced by a fresh leaf with its value. Memory between the passes: the values
  /// and whatever `replay` captures; during the backward pass, one replayed graph at a time.
  ///
  /// First-order only: the node's backward rule cannot itself be differentiated. `inputs` must
  /// not repeat a variable (each would receive the whole gradient). Between the passes the node
  /// holds the outputs packed in one row and the outputs their own copies: twice the outputs.
  ///
  /// - Parameters:
  ///   - values: the outputs' values, any shapes.
  ///   - inputs: every variable requiring a gradient that the outputs depend on, including the
  ///     parameters `replay` reaches through its layers.
  ///   - replay: rebuilds the outputs, with a graph, from the stand-ins of `inputs`.
  /// - Returns: one variable per value.
  public static func recomputed(
    _ values: [Tensor], inputs: [Variable], replay: @escaping ([Variable]) -> [Variable]
  ) -> [Variable] {
    guard inputs.contains(where: \.requiresGradient) else { return values.map { Variable($0) } }
    precondition(Set(inputs.map(ObjectIdentifier.init)).count == inputs.count, "A recomputed segment's inputs must be distinct")
    let shapes = values.map(\.shape)
    let counts = values.map(\.count)
    let packed = Tensor.concatenatingLastAxis(values.map { $0.reshaped([1, $0.count]) })
    // Leaves are captured (they own no graph); inner inputs are rebuilt from their values.
    let leaves: [Variable?] = inputs.map { $0.isLeaf ? $0 : nil }
    let node = Variable.record(packed, name: "recomputed", inputs: inputs) { context in
      precondition(context.mode == .firstOrder, "A recomputed segment has first-order gradients only")
      let standIns = context.inputs.indices.map { index in
        leaves[index] ?? Variable(context.inputs[index].value, requiresGradient: true)
      }
      let outputs = replay(standIns)
      precondition(outputs.map(\.shape) == shapes, "replay returned shapes \(outputs.map(\.shape)), expected \(shapes)")
      let total = seededSum(outputs, seeds: context.upstream.value, counts: counts)
      let wanted = standIns.indices.filter { context.needs($0) && standIns[$0].requiresGradient }
      let gradients = Gradients.of(total, withRespectTo: wanted.map { standIns[$0] })
      var result = [Variable?](repeating: nil, count: standIns.count)
      for (index, gradient) in zip(wanted, gradients) { result[index] = gradient }
      return result
    }
    var start = 0
    return zip(shapes, counts).map { shape, count in
      defer { start += count }
      return node.slicingLastAxis(start..<(start + count)).reshaped(shape)
    }
  }

  /// Σᵢ ⟨outputᵢ, seedᵢ⟩ with the seeds cut in order from `seeds` (`[1, Σ counts]`): a scalar
  /// whose gradient with respect to each output is its seed.
  private static func seededSum(_ outputs: [Variable], seeds: Tensor, counts: [Int]) -> Variable {
    var start = 0
    var total: Variable? = nil
    for (output, count) in zip(outputs, counts) {
      let seed = seeds.slicingLastAxis(start..<(start + count)).reshaped(output.shape)
      start += count
      let term = (output * Variable(seed)).sum()
      total = total.map { $0 + term } ?? term
    }
    return total ?? Variable(Tensor(0))
  }
}
