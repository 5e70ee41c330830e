/// What the decoder's last layer is passed through to give its output: the
/// mean of p(x|z), or the point the reconstruction loss compares with x.
public enum OutputActivation: Sendable {
    /// σ(l), in (0, 1): for data in [0, 1] (the Bernoulli mean).
    case sigmoid
    /// l as it is: for data on any scale.
    case identity
}

/// The decoder distributions p(x|z) that give a true log-likelihood, so an
/// importance-weighted bound on log p(x) can be computed.
public enum Likelihood: Sendable {
    /// Independent Bernoulli per feature with mean σ(l).
    case bernoulli
    /// Independent Gaussian per feature with mean l and a learned log σ².
    case gaussian
}

extension Reconstruction {
    /// The decoder's output activation: sigmoid for `bce` and `mse`,
    /// identity for `mae` and `gaussian`.
    public var outputActivation: OutputActivation {
        switch self {
        case .bce, .mse: .sigmoid
        case .mae, .gaussian: .identity
        }
    }

    /// The likelihood this reconstruction is the negative log of, or nil for
    /// `mse` and `mae`, which are losses, not densities: a caller that needs
    /// log p(x|z) (importance weights) refuses those models.
    public var likelihood: Likelihood? {
        switch self {
        case .bce: .bernoulli
        case .gaussian: .gaussian
        case .mse, .mae: nil
        }
    }

    /// Whether the model needs the learned log-variance vector
    /// (``Architecture/hasDecoderLogVariance``): only the Gaussian decoder.
    public var learnsDecoderVariance: Bool { self == .gaussian }
}

extension Likelihood {
    /// The reconstruction loss that is this likelihood's negative log.
    var reconstruction: Reconstruction {
        switch self {
        case .bernoulli: .bce
        case .gaussian: .gaussian
        }
    }
}
