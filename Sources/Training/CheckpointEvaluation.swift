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

/// The most importance-weighted draws (K × test images) `eval` takes on:
/// about 35 minutes on two cores for the default 784-400-20 model (K = 1000
/// on 10,000 images, 10^7 draws, takes 102 s), and proportionally longer
/// for larger models. Beyond it, the run is refused before it starts rather
/// than left to run for hours or days.
public let maximumImportanceDraws = 200_000_000

/// Evaluates the checkpoint at `path` on the test set of `dataDirectory`,
/// each rank taking an even share of the images. A stop signal on any rank
/// ends every rank's evaluation together (``TrainingError/interrupted(signal:)``);
/// rank 0 reports its progress to `progress`.
public func evaluateCheckpoint(at path: String, dataDirectory: String, importanceSamples: Int,
                               communicator: Communicator,
                               progress: EvaluationProgress? = nil) throws(TrainingError) -> EvaluationReport {
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
        let (draws, overflow) = importanceSamples.multipliedReportingOverflow(by: test.count)
        if overflow || draws > maximumImportanceDraws {
            throw .configuration("--iw \(importanceSamples) on the \(test.count) test images of \(dataDirectory) is \(overflow ? "too many" : String(draws)) importance draws, more than the \(maximumImportanceDraws) eval takes on (over half an hour for the default model); use a smaller --iw (1000 ranks models; 5000 is the literature's standard)")
        }
        return (checkpoint, test)
    }
    let model = VariationalAutoencoder(architecture: checkpoint.architecture, batchCapacity: 256)
    model.parameters.copy(from: checkpoint.parameters)
    // The ELBO itself (β = 1), whatever β the model was trained with.
    let evaluator = Evaluator(model: model, objective: Objective(reconstruction: checkpoint.objective.reconstruction, beta: 1),
                              seed: checkpoint.seed, communicator: communicator, interruptible: true, progress: progress)
    let terms = try evaluator.lossTerms(on: test)
    let bound = importanceSamples > 0 ? try evaluator.negativeImportanceBound(on: test, samples: importanceSamples) : nil
    return EvaluationReport(checkpoint: path, architecture: checkpoint.architecture, step: checkpoint.progress.step,
                            images: test.count, worldSize: communicator.size, terms: terms,
                            importanceSamples: importanceSamples, importanceBound: bound)
}
