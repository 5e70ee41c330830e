import MPI
import SystemIO
import Tensors
import VAE
import Checkpoints
import TrainingCore

extension Trainer {
    /// Writes a checkpoint of the current state: the model's parameters, Adam's
    /// whole moments (gathered to rank 0 from every rank's part when the
    /// optimizer is sharded), the run's settings that a resume must match,
    /// the progress (step, epoch sums, skipped steps) and the last epoch's
    /// metrics. Every rank takes part in the gather; rank 0 writes the file
    /// atomically, records it in `latest.json`, prunes the branch to `--keep`
    /// (``LiveBranch``) and returns its path (others: nil).
    @discardableResult
    func saveCheckpoint() throws(TrainingError) -> String? {
        let moments: (first: Vector, second: Vector)?
        moments = try collective(at: .checkpointGather, step: progress.step) { () throws(MPIError) in
            try sync.optimizer.gatherMoments()
        }
        guard let moments else { return nil }
        let checkpoint = current(moments: moments)
        guard var branch else { preconditionFailure("rank 0 checkpoints before it prepared the output directory") }
        defer { self.branch = branch }
        do {
            let path = try branch.save(checkpoint, logger: logger)
            logger.debug("wrote \(path)")
            newestCheckpoint = path
            try? events?.flush()
            return path
        } catch {
            throw .file(error)
        }
    }

    /// `OUT/best.safetensors`: the checkpoint of the lowest held-out loss so
    /// far (`--patience`), written atomically by rank 0, never pruned.
    func saveBest() throws(TrainingError) {
        let moments: (first: Vector, second: Vector)?
        moments = try collective(at: .checkpointGather, step: progress.step) { () throws(MPIError) in
            try sync.optimizer.gatherMoments()
        }
        guard let moments else { return }
        let checkpoint = current(moments: moments)
        do {
            try Files.writeAtomically(checkpoint.encoded(), to: "\(configuration.outputDirectory)/best.safetensors")
        } catch {
            throw .file(error)
        }
    }

    /// Everything a checkpoint holds, as of now: the model, Adam's whole
    /// moments, the settings a resume must match (architecture, data format,
    /// batch, seed, schedule, clipping, patience), the progress and the last
    /// epoch's metrics.
    private func current(moments: (first: Vector, second: Vector)) -> Checkpoint {
        Checkpoint(
            architecture: architecture, objective: configuration.objective,
            learningRate: configuration.learningRate, globalBatchSize: configuration.globalBatchSize,
            accumulate: configuration.accumulate, deterministicShards: configuration.deterministicShards,
            seed: configuration.seed, worldSize: communicator.size, progress: progress, adamStep: sync.optimizer.adam.step,
            lastMetrics: lastMetrics, parameters: sync.parameters,
            firstMoment: moments.first, secondMoment: moments.second, input: inputFormat, schedule: schedule,
            clipGradNorm: configuration.clipGradNorm, patience: configuration.patience)
    }

    /// The data conventions this run trains under, as checkpoints record them.
    var inputFormat: InputFormat {
        InputFormat(shape: data.shape, element: data.train.matrix.element, normalization: data.normalization,
                    binarize: configuration.binarize)
    }
}
