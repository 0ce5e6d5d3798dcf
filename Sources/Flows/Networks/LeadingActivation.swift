/// Whether a convolutional branch starts with an activation before its first convolution.
public enum LeadingActivation: Sendable, Equatable {
  /// [act] → conv → …: every block but the first of a model.
  case included
  /// conv → …: the first block of a model, whose input is the ActNorm-ed logit of the pixels.
  case omitted
}
