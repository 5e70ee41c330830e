import RealModule

/// The count likelihoods of scVI-class decoders, scored one cell at a time
/// with their gradients: the negative binomial and its zero-inflated mixture
/// in the forms scvi-tools uses (`log_nb_positive`, `log_zinb_positive` in
/// `scvi/distributions/_negative_binomial.py`), and the Poisson.
///
/// The decoder's output layer gives one logit per gene; a softmax over the
/// genes gives the expression frequencies ρ, and the mean is
/// μ = exp(log library)·ρ, as in scVI's `DecoderSCVI` (`px_rate`). The
/// negative binomial's inverse dispersion θ = exp(log θ) is a learned vector
/// per gene, scvi-tools' `px_r` (θ = exp(px_r)); the zero-inflated one adds
/// a dropout logit per gene and cell (`px_dropout`).
///
/// Where this differs from scvi-tools: the logarithms are taken in log space
/// (log μ = log library + logit − logsumexp(logits), log(θ + μ) by
/// log-add-exp) instead of adding ε = 1e-8 inside them, so nothing overflows
/// or loses a small μ; the values agree to ~1e-8 relative wherever scvi-tools'
/// are finite.
///
/// What is dense and what is sparse: the softmax and θ·(log θ − log(θ + μ))
/// run over every gene, but x·log μ, lgamma(x + θ) − lgamma(θ) − lgamma(x + 1)
/// and ψ(x + θ) − ψ(θ) are 0 at x = 0 and are skipped there.
public enum CountLikelihood: String, CaseIterable, Sendable {
    case poisson
    /// scvi-tools' `gene_likelihood="nb"`.
    case negativeBinomial = "nb"
    /// scvi-tools' `gene_likelihood="zinb"`, its default.
    case zeroInflatedNegativeBinomial = "zinb"

    /// Whether the model learns θ per gene (`decoder_log_theta`).
    public var hasDispersion: Bool { self != .poisson }
    /// Whether the decoder has the dropout head.
    public var hasDropout: Bool { self == .zeroInflatedNegativeBinomial }
}

/// One cell's inputs to a count likelihood and where its gradients go; all
/// per-gene arrays have one element per gene.
public struct CountCell: Sendable {
    /// The observed counts (non-negative integers, as Float).
    public var counts: [Float]
    /// The decoder's output logits; softmax(logits) = ρ.
    public var logits: [Float]
    /// log of the cell's library size (scVI: log Σ counts, observed).
    public var logLibrary: Double
    /// log θ per gene (ignored by the Poisson).
    public var logTheta: [Float]
    /// Dropout logits (zero-inflated only).
    public var dropoutLogits: [Float]

    public init(counts: [Float], logits: [Float], logLibrary: Double, logTheta: [Float] = [], dropoutLogits: [Float] = []) {
        self.counts = counts
        self.logits = logits
        self.logLibrary = logLibrary
        self.logTheta = logTheta
        self.dropoutLogits = dropoutLogits
    }
}

/// A cell's −log p(x) and its gradients.
public struct CountCellGradients: Equatable, Sendable {
    /// −log p(x | μ, θ, π) summed over genes, in nats.
    public var negativeLogLikelihood: Double
    /// d(−log p)/d logit, per gene.
    public var logits: [Double]
    /// d(−log p)/d log θ, per gene (zeros for the Poisson).
    public var logTheta: [Double]
    /// d(−log p)/d dropout logit, per gene (empty unless zero-inflated).
    public var dropoutLogits: [Double]
}

extension CountLikelihood {
    /// Scores one cell: its negative log-likelihood and the gradients with
    /// respect to the logits (through the softmax), log θ and the dropout
    /// logits. Computed in Double: one cell's sums run over tens of
    /// thousands of genes.
    public func score(_ cell: CountCell) -> CountCellGradients {
        let genes = cell.counts.count
        precondition(cell.logits.count == genes, "one logit per gene")
        precondition(!hasDispersion || cell.logTheta.count == genes, "one log θ per gene")
        precondition(!hasDropout || cell.dropoutLogits.count == genes, "one dropout logit per gene")
        let maximum = Double(cell.logits.max() ?? 0)
        var sumExp = 0.0
        for logit in cell.logits { sumExp += Double.exp(Double(logit) - maximum) }
        let logNormalizer = maximum + Double.log(sumExp)

        var loss = 0.0
        // a_g = dℓ_g/d log μ_g, where ℓ is the log-likelihood.
        var meanGradient = [Double](repeating: 0, count: genes)
        var logThetaGradient = [Double](repeating: 0, count: hasDispersion ? genes : 0)
        var dropoutGradient = [Double](repeating: 0, count: hasDropout ? genes : 0)
        for gene in 0..<genes {
            let x = Double(cell.counts[gene])
            let logMean = cell.logLibrary + Double(cell.logits[gene]) - logNormalizer
            let mean = Double.exp(logMean)
            switch self {
            case .poisson:
                var logLikelihood = -mean
                if x > 0 { logLikelihood += x * logMean - Double.logGamma(x + 1) }
                loss -= logLikelihood
                meanGradient[gene] = x - mean
            case .negativeBinomial, .zeroInflatedNegativeBinomial:
                let logTheta = Double(cell.logTheta[gene])
                let theta = Double.exp(logTheta)
                let logThetaPlusMean = Self.logAddExp(logTheta, logMean)
                // μ/(θ + μ), and θ·μ/(θ + μ), without forming θ + μ.
                let meanShare = Double.exp(logMean - logThetaPlusMean)
                let thetaShare = 1 - meanShare
                let thetaTerm = theta * (logTheta - logThetaPlusMean)
                // The terms that vanish at x = 0, and their derivatives.
                var countTerm = 0.0, countMeanGradient = 0.0, countThetaGradient = 0.0
                if x > 0 {
                    countTerm = x * (logMean - logThetaPlusMean)
                        + Double.logGamma(x + theta) - Double.logGamma(theta) - Double.logGamma(x + 1)
                    countMeanGradient = x * thetaShare
                    countThetaGradient = theta * (-x / (theta + mean) + Self.digamma(x + theta) - Self.digamma(theta))
                }
                // d thetaTerm/d log μ = −θ·μ/(θ + μ); d thetaTerm/d log θ = thetaTerm + θ·μ/(θ + μ).
                let thetaTermMeanGradient = -theta * meanShare
                let thetaTermThetaGradient = thetaTerm + theta * meanShare
                if self == .negativeBinomial {
                    loss -= thetaTerm + countTerm
                    meanGradient[gene] = thetaTermMeanGradient + countMeanGradient
                    logThetaGradient[gene] = -(thetaTermThetaGradient + countThetaGradient)
                } else {
                    let pi = Double(cell.dropoutLogits[gene])
                    let softplusNegativePi = Self.softplus(-pi)
                    let piThetaLog = -pi + thetaTerm
                    if x > 0 {
                        loss -= -softplusNegativePi + piThetaLog + countTerm
                        meanGradient[gene] = thetaTermMeanGradient + countMeanGradient
                        logThetaGradient[gene] = -(thetaTermThetaGradient + countThetaGradient)
                        dropoutGradient[gene] = -(Self.sigmoid(-pi) - 1)
                    } else {
                        // log(π₀ + (1 − π₀)·NB(0)) in scvi-tools' form.
                        loss -= Self.softplus(piThetaLog) - softplusNegativePi
                        let weight = Self.sigmoid(piThetaLog)
                        meanGradient[gene] = weight * thetaTermMeanGradient
                        logThetaGradient[gene] = -weight * thetaTermThetaGradient
                        dropoutGradient[gene] = -(-weight + Self.sigmoid(-pi))
                    }
                }
            }
        }
        // Through log μ_g = log library + l_g − logsumexp(l):
        // dℓ/dl_k = a_k − ρ_k·Σ_g a_g; the loss is −ℓ.
        let total = meanGradient.reduce(0, +)
        var logitGradient = [Double](repeating: 0, count: genes)
        for gene in 0..<genes {
            let share = Double.exp(Double(cell.logits[gene]) - logNormalizer)
            logitGradient[gene] = -(meanGradient[gene] - share * total)
        }
        return CountCellGradients(negativeLogLikelihood: loss, logits: logitGradient,
                                  logTheta: hasDispersion ? logThetaGradient : [Double](repeating: 0, count: genes),
                                  dropoutLogits: dropoutGradient)
    }

    static func logAddExp(_ a: Double, _ b: Double) -> Double {
        let high = max(a, b), low = min(a, b)
        return high + Double.log(onePlus: Double.exp(low - high))
    }

    static func softplus(_ x: Double) -> Double {
        x > 0 ? x + Double.log(onePlus: Double.exp(-x)) : Double.log(onePlus: Double.exp(x))
    }

    static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + Double.exp(-x)) : Double.exp(x) / (1 + Double.exp(x))
    }

    /// ψ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then
    /// the asymptotic series to x⁻¹⁰, whose first omitted term is below 3e-14 there.
    static func digamma(_ value: Double) -> Double {
        precondition(value > 0, "digamma is used for positive arguments only")
        var x = value
        var result = 0.0
        while x < 10 {
            result -= 1 / x
            x += 1
        }
        let inverse = 1 / x, inverseSquared = inverse * inverse
        let series = inverseSquared * (1.0 / 12 - inverseSquared * (1.0 / 120 - inverseSquared * (1.0 / 252
            - inverseSquared * (1.0 / 240 - inverseSquared * (1.0 / 132)))))
        return result + Double.log(x) - 0.5 * inverse - series
    }
}
