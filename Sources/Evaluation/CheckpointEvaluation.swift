import Dataset
import MPI
import RealModule
import VAE
import Checkpoints
import RunDirectory
import TrainingCore
import TrainingInput

/// What `vae-dist eval` reports: per-image figures over a test set.
public struct EvaluationReport: Sendable {
    public let checkpoint: String
    public let architecture: Architecture
    public let step: Int
    public let images: Int
    public let worldSize: Int
    /// Negative ELBO (β = 1), reconstruction and KL, nats per image.
    public let terms: LossTerms
    public let importanceSamples: Int
    /// −(IWAE bound with `importanceSamples` draws), nats per sample.
    public let importanceBound: Double?
    /// What the figures mean for this model and data (see ``Meaning``).
    public let meaning: Meaning
    /// What was evaluated (which rows of which input).
    public let rows: String

    /// What a model's negative ELBO and IWAE figure are a bound on, which
    /// depends on its likelihood and its data; `eval` says it in words.
    public enum Meaning: String, Sendable {
        /// Bernoulli decoder on binary data (`--binarize`): an upper bound on −log p(x), a probability.
        case bernoulliBound
        /// Bernoulli decoder on grey levels: the cross-entropy treats each
        /// value as a probability of 1; not a likelihood of the data.
        case bernoulliScore
        /// Gaussian decoder: an upper bound on −log p(x) as a density in the
        /// data's own units (the normalization's log-Jacobian included);
        /// for 8-bit data a density, not a probability of the integer values.
        case gaussianDensityBound
        /// `mse` or `mae`: losses, not likelihoods.
        case loss

        public var explanation: String {
            switch self {
            case .bernoulliBound: "-log p(x) is at most this: binarized data under a Bernoulli decoder"
            case .bernoulliScore: "a cross-entropy score of grey levels, not -log p(x) (train with --binarize for a true bound)"
            case .gaussianDensityBound: "-log p(x) as a density in the data's units is at most this (8-bit data: a density, not a probability)"
            case .loss: "a loss, not a likelihood"
            }
        }
    }
}

/// The most importance-weighted draws (K × test images) `eval` takes on:
/// about 35 minutes on two cores for the default 784-400-20 model (K = 1000
/// on 10,000 images, 10^7 draws, takes 102 s), and proportionally longer
/// for larger models. Beyond it, the run is refused before it starts rather
/// than left to run for hours or days.
public let maximumImportanceDraws = 200_000_000

/// Evaluates the checkpoint at `path` on the rows of `data` that
/// ``ModelData`` picks (a test split, a file, or the held-out rows), each
/// rank taking an even share. A stop signal on any rank ends every rank's
/// evaluation together (``TrainingError/interrupted(signal:)``); rank 0
/// reports its progress to `progress`.
public func evaluateCheckpoint(at path: String, data: String, holdout: Double?, holdoutSeed: UInt64, importanceSamples: Int,
                               communicator: Communicator,
                               progress: EvaluationProgress? = nil) throws(TrainingError) -> EvaluationReport {
    let checkpoint = try communicator.agree { () throws(TrainingError) -> Checkpoint in
        let checkpoint: Checkpoint
        do throws(CheckpointError) {
            checkpoint = try CheckpointDirectory.load(path)
        } catch {
            throw .checkpoint(error)
        }
        if importanceSamples > 0 && checkpoint.objective.reconstruction.likelihood == nil {
            throw .configuration("--iw needs a likelihood: \(path) was trained with --recon \(checkpoint.objective.reconstruction.rawValue), a loss without one (bce and gaussian have one; use --iw 0)")
        }
        return checkpoint
    }
    let test = try ModelData.open(data, for: checkpoint, checkpointPath: path, holdout: holdout, holdoutSeed: holdoutSeed,
                                  communicator: communicator)
    try communicator.agree { () throws(TrainingError) in
        let (draws, overflow) = importanceSamples.multipliedReportingOverflow(by: test.count)
        if overflow || draws > maximumImportanceDraws {
            throw .configuration("--iw \(importanceSamples) on the \(test.count) test images of \(data) is \(overflow ? "too many" : String(draws)) importance draws, more than the \(maximumImportanceDraws) eval takes on (over half an hour for the default model); use a smaller --iw (1000 ranks models; 5000 is the literature's standard)")
        }
    }
    let model = VariationalAutoencoder(architecture: checkpoint.architecture, batchCapacity: Evaluator.batchCapacity)
    model.parameters.copy(from: checkpoint.parameters)
    // The ELBO itself (β = 1), whatever β the model was trained with.
    let evaluator = Evaluator(model: model, objective: Objective(reconstruction: checkpoint.objective.reconstruction, beta: 1),
                              seed: checkpoint.seed, communicator: communicator, interruptible: true, progress: progress)
    var terms = try evaluator.lossTerms(on: test.source)
    var bound = importanceSamples > 0 ? try evaluator.negativeImportanceBound(on: test.source, samples: importanceSamples) : nil
    let meaning: EvaluationReport.Meaning
    switch checkpoint.objective.reconstruction.likelihood {
    case .bernoulli?:
        meaning = checkpoint.input.binarize ? .bernoulliBound : .bernoulliScore
    case .gaussian?:
        // Densities change with units: −log p(x) = −log p(x′) − Σ_d log |dx′_d/dx_d|,
        // with x′ = (x/s − shift)·scale the model's input for stored values x.
        meaning = .gaussianDensityBound
        let input = checkpoint.input
        let correction = -input.normalization.logJacobian
            + Double(input.shape.features) * Double.log(Double(input.storedScale))
        terms.loss += correction
        terms.reconstruction += correction
        bound = bound.map { $0 + correction }
    case nil:
        meaning = .loss
    }
    return EvaluationReport(checkpoint: path, architecture: checkpoint.architecture, step: checkpoint.progress.step,
                            images: test.count, worldSize: communicator.size, terms: terms,
                            importanceSamples: importanceSamples, importanceBound: bound, meaning: meaning,
                            rows: test.description)
}
