/// How the decoder's output is scored against the input, which also fixes
/// what the decoder outputs (``outputActivation``) and whether the model has
/// a likelihood (``likelihood``). Stored in checkpoints by its raw value.
public enum Reconstruction: String, CaseIterable, Sendable {
    /// Binary cross-entropy summed over features: the Bernoulli decoder of
    /// pytorch/examples, for data in [0, 1]. Output: sigmoid (the Bernoulli
    /// mean). A likelihood: −log p(x|z) in nats.
    case bce
    /// Squared error Σ (σ(l) − x)² on the sigmoid output, for data in [0, 1].
    /// The sigmoid is kept from before the other losses existed, so `mse`
    /// checkpoints keep their meaning; for data outside [0, 1] use
    /// `gaussian` (its mean gradient is the squared error's, scaled by 1/σ²)
    /// or `mae`. Not a likelihood.
    case mse
    /// Absolute error Σ |μ − x| on the identity (linear) output, for data on
    /// any scale (normalized, standardized). Not a likelihood.
    case mae
    /// A Gaussian decoder N(x; μ(z), diag(σ²)) with μ the identity (linear)
    /// output and log σ² a learned per-feature vector independent of z (the
    /// model's `decoder_logvar`): −log p(x|z) = ½ Σ [log 2π + log σ² + (x − μ)²/σ²]
    /// in nats, for data on any scale. The model's architecture must have
    /// ``Architecture/hasDecoderLogVariance``.
    case gaussian
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
