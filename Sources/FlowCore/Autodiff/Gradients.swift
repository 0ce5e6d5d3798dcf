/// Reverse-mode differentiation.
public enum Gradients {
  /// The gradients of `output` with respect to each of `targets`: the vector-Jacobian product
  /// seedᵀ·∂output/∂target.
  ///
  /// Only operations on a path from a target to `output` run their backward rule, and each rule
  /// computes only the input gradients that lead to a target (so a product with respect to x
  /// does not compute weight gradients).
  ///
  /// - Parameters:
  ///   - output: the differentiated variable.
  ///   - targets: the variables to differentiate with respect to (leaves or inner nodes).
  ///   - seed: the vector in the product, shaped like `output`; ones when nil.
  ///   - mode: ``BackwardMode/differentiable`` to get gradients that can be differentiated again.
  ///   - accumulation: how a first-order pass sums the gradients several operations send to one
  ///     variable (the same bits either way; differentiable passes form new sums).
  /// - Returns: one gradient per target, zeros where `output` does not depend on the target.
  public static func of(
    _ output: Variable, withRespectTo targets: [Variable], seed: Variable? = nil,
    mode: BackwardMode = .firstOrder, accumulation: GradientAccumulation = .inPlace
  ) -> [Variable] {
    if let seed {
      precondition(
        seed.shape == output.shape,
        "Seed shape \(seed.shape) differs from output shape \(output.shape)")
    }
    let targetIDs = Set(targets.map(ObjectIdentifier.init))
    // With one target nothing below it matters, so the walk stops there: a product with respect
    // to one block's input does not visit the graph of the blocks before it.
    let order = topologicalOrder(from: output, stoppingAt: targets.count == 1 ? targetIDs : [])
    // reaches[x] = x is a target or some input of x reaches a target.
    var reaches: [ObjectIdentifier: Bool] = [:]
    for node in order.reversed() {
      let id = ObjectIdentifier(node)
      var value = targetIDs.contains(id)
      if !value, let operation = node.operation {
        value = operation.inputs.contains { reaches[ObjectIdentifier($0)] ?? targetIDs.contains(ObjectIdentifier($0)) }
      }
      reaches[id] = value
    }
    func reachesTarget(_ variable: Variable) -> Bool {
      reaches[ObjectIdentifier(variable)] ?? targetIDs.contains(ObjectIdentifier(variable))
    }

    var accumulated: [ObjectIdentifier: Variable] = [:]
    let initial = seed ?? Variable(Tensor.ones(output.shape))
    accumulated[ObjectIdentifier(output)] = mode == .firstOrder ? initial.detached : initial

    for node in order {
      let id = ObjectIdentifier(node)
      guard let operation = node.operation, reachesTarget(node), accumulated[id] != nil else { continue }
      let isTarget = targetIDs.contains(id)
      var held = isTarget ? accumulated[id] : accumulated.removeValue(forKey: id)
      let wanted = operation.inputs.map { $0.requiresGradient && reachesTarget($0) }
      if !wanted.contains(true) { continue }
      let inPlace = mode == .firstOrder && accumulation == .inPlace
      let accumulators = inPlace ? takeAccumulators(of: operation.inputs, wanted: wanted, from: &accumulated) : nil
      // A target's gradient is returned, so only a non-target's upstream may be written over.
      let upstreamHeldAlone = inPlace && !isTarget ? GradientAccumulator.take(from: &held) : nil
      let upstream = upstreamHeldAlone.map { Variable($0.tensor) } ?? held!
      held = nil
      let sums = mode == .differentiable && accumulation == .inPlace ? accumulatedSums(of: operation.inputs, wanted: wanted, in: &accumulated) : nil
      let context = BackwardContext(
        upstream: upstream, inputs: mode == .firstOrder ? operation.inputs.map(\.detached) : operation.inputs,
        output: mode == .firstOrder ? node.detached : node, mode: mode, wanted: wanted, accumulators: accumulators,
        reusableUpstream: upstreamHeldAlone?.tensor, accumulatedSums: sums)
      let inputGradients = operation.backward(context)
      precondition(
        inputGradients.count == operation.inputs.count,
        "Backward rule of \(operation.name) returned \(inputGradients.count) gradients for \(operation.inputs.count) inputs")
      for (index, input) in operation.inputs.enumerated() where wanted[index] {
        let inputID = ObjectIdentifier(input)
        if let gradient = inputGradients[index] {
          precondition(
            gradient.shape == input.shape,
            "Backward rule of \(operation.name) returned shape \(gradient.shape) for input \(index) of shape \(input.shape)")
        }
        if let accumulator = accumulators?[index] {
          accumulated[inputID] = accumulator.adding(inputGradients[index])
          continue
        }
        guard let gradient = inputGradients[index] else { continue }
        if context.absorbedSums?.contains(index) == true {
          accumulated[inputID] = gradient
          continue
        }
        if let existing = accumulated[inputID] {
          accumulated[inputID] = existing + gradient
        } else {
          accumulated[inputID] = gradient
        }
      }
    }
    return targets.map { target in
      if let gradient = accumulated[ObjectIdentifier(target)] {
        return mode == .firstOrder ? gradient.detached : gradient
      }
      return Variable(Tensor.zeros(target.shape))
    }
  }

  /// Differentiable: per input of an operation that occurs once among its inputs and needs a
  /// gradient, the gradient accumulated so far (nil for the others), and whether the pass alone
  /// holds its storage (``AccumulatedSum/taken(from:)``).
  private static func accumulatedSums(
    of inputs: [Variable], wanted: [Bool], in accumulated: inout [ObjectIdentifier: Variable]
  ) -> [AccumulatedSum?] {
    let identifiers = inputs.map(ObjectIdentifier.init)
    return inputs.indices.map { index in
      let id = identifiers[index]
      guard wanted[index], identifiers.lazy.filter({ $0 == id }).count == 1 else { return nil }
      var held = accumulated.removeValue(forKey: id)
      let sum = AccumulatedSum.taken(from: &held)
      accumulated[id] = held
      return sum
    }
  }

  /// First order: per input of an operation, the gradient accumulated so far when the pass alone
  /// holds it, taken out of `accumulated` (the first occurrence of an input used twice).
  private static func takeAccumulators(
    of inputs: [Variable], wanted: [Bool], from accumulated: inout [ObjectIdentifier: Variable]
  ) -> [GradientAccumulator?] {
    var taken: Set<ObjectIdentifier> = []
    return inputs.indices.map { index in
      let id = ObjectIdentifier(inputs[index])
      guard wanted[index], taken.insert(id).inserted else { return nil }
      var existing = accumulated.removeValue(forKey: id)
      let accumulator = GradientAccumulator.take(from: &existing)
      accumulated[id] = existing
      return accumulator
    }
  }

  /// Nodes reachable from `output` through operations on variables that require gradients,
  /// not descending below `barriers`, ordered so that every node comes before its inputs
  /// (reverse post-order, iterative).
  public static func topologicalOrder(from output: Variable, stoppingAt barriers: Set<ObjectIdentifier> = []) -> [Variable] {
    var visited: Set<ObjectIdentifier> = []
    var postOrder: [Variable] = []
    var stack: [(Variable, Int)] = [(output, 0)]
    visited.insert(ObjectIdentifier(output))
    while let (node, nextInput) = stack.popLast() {
      let inputs = barriers.contains(ObjectIdentifier(node)) ? [] : (node.operation?.inputs ?? [])
      if nextInput < inputs.count {
        stack.append((node, nextInput + 1))
        let input = inputs[nextInput]
        if input.requiresGradient && visited.insert(ObjectIdentifier(input)).inserted {
          stack.append((input, 0))
        }
      } else {
        postOrder.append(node)
      }
    }
    return postOrder.reversed()
  }
}
