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

/// Evaluates the checkpoint at `path` on the test set of `dataDirectory`,
/// each rank taking an even share of the images.
public func evaluateCheckpoint(at path: String, dataDirectory: String, importanceSamples: Int,
                               communicator: Communicator) throws(TrainingError) -> EvaluationReport {
    let (checkpoint, test) = try communicator.agree { () throws(TrainingError) -> (Checkpoint, ImageSet) in
        let checkpoint: Checkpoint
        do throws(CheckpointError) {
            checkpoint = try CheckpointDirectory.load(path)
        } catch {
            throw .checkpoint(error)
        }
        let test: ImageSet
        do throws(DatasetError) {
            test = try MNISTDirectory.testSet(path: dataDirectory)
        } catch {
            throw .dataset(error)
        }
        guard test.pixelsPerImage == checkpoint.architecture.inputSize else {
            throw .configuration("\(dataDirectory): test images are \(test.rows)x\(test.columns), the model in \(path) takes \(checkpoint.architecture.inputSize) pixels")
        }
        if importanceSamples > 0 && checkpoint.objective.reconstruction != .bce {
            throw .configuration("--iw needs a likelihood: \(path) was trained with --recon \(checkpoint.objective.reconstruction.rawValue), only bce defines one (use --iw 0)")
        }
        return (checkpoint, test)
    }
    let model = VariationalAutoencoder(architecture: checkpoint.architecture, batchCapacity: 256)
    model.parameters.copy(from: checkpoint.parameters)
    // The ELBO itself (β = 1), whatever β the model was trained with.
    let evaluator = Evaluator(model: model, objective: Objective(reconstruction: checkpoint.objective.reconstruction, beta: 1),
                              seed: checkpoint.seed, communicator: communicator)
    let terms = try evaluator.lossTerms(on: test)
    let bound = importanceSamples > 0 ? try evaluator.negativeImportanceBound(on: test, samples: importanceSamples) : nil
    return EvaluationReport(checkpoint: path, architecture: checkpoint.architecture, step: checkpoint.progress.step,
                            images: test.count, worldSize: communicator.size, terms: terms,
                            importanceSamples: importanceSamples, importanceBound: bound)
}
