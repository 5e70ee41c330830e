/// How the decoder's output is scored against the input.
public enum Reconstruction: String, CaseIterable, Sendable {
    /// Binary cross-entropy summed over pixels: the Bernoulli decoder of
    /// pytorch/examples.
    case bce
    /// Squared error summed over pixels.
    case mse
}

/// The training loss: reconstruction + β·KL, summed over the batch like
/// pytorch/examples (β = 1 makes it the negative ELBO).
public struct Objective: Equatable, Sendable {
    public var reconstruction: Reconstruction
    public var beta: Float

    public init(reconstruction: Reconstruction = .bce, beta: Float = 1) {
        self.reconstruction = reconstruction
        self.beta = beta
    }
}

/// Sums over a batch (or a whole epoch, once reduced across ranks).
public struct LossTerms: Equatable, Sendable {
    /// Reconstruction + β·KL: what the optimizer minimizes.
    public var loss: Double
    public var reconstruction: Double
    public var kl: Double

    public init(loss: Double = 0, reconstruction: Double = 0, kl: Double = 0) {
        self.loss = loss
        self.reconstruction = reconstruction
        self.kl = kl
    }

    public static func + (lhs: LossTerms, rhs: LossTerms) -> LossTerms {
        LossTerms(loss: lhs.loss + rhs.loss, reconstruction: lhs.reconstruction + rhs.reconstruction, kl: lhs.kl + rhs.kl)
    }

    public var isFinite: Bool { loss.isFinite && reconstruction.isFinite && kl.isFinite }
}
