import Dataset
import MPI
import VAE

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
    /// −(IWAE bound with `importanceSamples` draws): an upper bound on −log p(x).
    public let importanceBound: Double?
}

/// Evaluates the checkpoint at `path` on the rows of `data` that
/// ``ModelData`` picks (a test split, a file, or the held-out rows), each
/// rank taking an even share.
public func evaluateCheckpoint(at path: String, data: String, holdout: Double?, holdoutSeed: UInt64, importanceSamples: Int,
                               communicator: Communicator) throws(TrainingError) -> EvaluationReport {
    let checkpoint = try communicator.agree { () throws(TrainingError) -> Checkpoint in
        let checkpoint: Checkpoint
        do throws(CheckpointError) {
            checkpoint = try CheckpointDirectory.load(path)
        } catch {
            throw .checkpoint(error)
        }
        if importanceSamples > 0 && checkpoint.objective.reconstruction != .bce {
            throw .configuration("--iw needs a likelihood: \(path) was trained with --recon \(checkpoint.objective.reconstruction.rawValue), only bce defines one (use --iw 0)")
        }
        return checkpoint
    }
    let test = try ModelData.open(data, for: checkpoint, checkpointPath: path, holdout: holdout, holdoutSeed: holdoutSeed,
                                  communicator: communicator)
    let model = VariationalAutoencoder(architecture: checkpoint.architecture, batchCapacity: Trainer.evaluationCapacity)
    model.parameters.copy(from: checkpoint.parameters)
    // The ELBO itself (β = 1), whatever β the model was trained with.
    let evaluator = Evaluator(model: model, objective: Objective(reconstruction: checkpoint.objective.reconstruction, beta: 1),
                              seed: checkpoint.seed, communicator: communicator)
    let terms = try evaluator.lossTerms(on: test.source)
    let bound = importanceSamples > 0 ? try evaluator.negativeImportanceBound(on: test.source, samples: importanceSamples) : nil
    return EvaluationReport(checkpoint: path, architecture: checkpoint.architecture, step: checkpoint.progress.step,
                            images: test.count, worldSize: communicator.size, terms: terms,
                            importanceSamples: importanceSamples, importanceBound: bound)
}
