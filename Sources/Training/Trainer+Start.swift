import MPI
import Randomness
import SystemIO
import Tensors
import VAE

extension Trainer {
    /// Where rank 0's initial state comes from.
    enum StartingPoint {
        /// `continuesMetrics`: `metrics.jsonl` is the resumed branch's own,
        /// so its lines after the checkpoint's step are dropped.
        case checkpoint(Checkpoint, path: String, continuesMetrics: Bool)
        /// `--init`: already loaded into the parameters.
        case weights
        case random
    }

    /// Rank 0: prepares the output directory and decides where to start
    /// (a resumed checkpoint, `--init` weights, or a fresh initialization).
    /// Other ranks learn it from the broadcast that follows.
    func findStartingPoint() throws(TrainingError) -> StartingPoint {
        guard communicator.isRoot else { return .random }
        if let resumed = try prepareOutputAndFindCheckpoint() {
            return .checkpoint(resumed.checkpoint, path: resumed.path, continuesMetrics: resumed.ownsMetrics)
        }
        guard let path = configuration.initialWeights else { return .random }
        do throws(CheckpointError) {
            try ModelFile.load(path, into: sync.parameters, architecture: architecture)
        } catch {
            throw .checkpoint(error)
        }
        logger.info("starting from the weights in \(path)")
        return .weights
    }

    /// Why `checkpoint` cannot continue this run, or nil if it can.
    func incompatibility(of checkpoint: Checkpoint, path: String) -> CheckpointError? {
        if checkpoint.architecture != architecture {
            return .incompatible(path: path, reason: "it holds a \(checkpoint.architecture) model of \(checkpoint.input.shape), this run is \(architecture) on \(inputFormat.shape) (check --hidden, --latent, --recon and --data)")
        }
        if checkpoint.input.shape != inputFormat.shape {
            return .incompatible(path: path, reason: "it was trained on samples of \(checkpoint.input.shape), --data \(data.path) holds \(inputFormat.shape)")
        }
        if checkpoint.input.normalization.mode != inputFormat.normalization.mode || checkpoint.input.binarize != inputFormat.binarize {
            return .incompatible(path: path, reason: "it was trained with --normalize \(checkpoint.input.normalization.mode.rawValue)\(checkpoint.input.binarize ? " --binarize" : ""), this run uses --normalize \(inputFormat.normalization.mode.rawValue)\(inputFormat.binarize ? " --binarize" : "")")
        }
        if checkpoint.input.normalization != inputFormat.normalization && checkpoint.fileFormatVersion >= 3 {
            return .incompatible(path: path, reason: "its normalization statistics differ from those of --data \(data.path) (other training rows)")
        }
        if checkpoint.globalBatchSize != configuration.globalBatchSize {
            return .incompatible(path: path, reason: "it was trained with --batch-size \(checkpoint.globalBatchSize), this run uses \(configuration.globalBatchSize)")
        }
        if checkpoint.accumulate != configuration.accumulate {
            return .incompatible(path: path, reason: "it was trained with --accumulate \(checkpoint.accumulate), this run uses \(configuration.accumulate)")
        }
        if checkpoint.deterministicShards != configuration.deterministicShards {
            return .incompatible(path: path, reason: "it was trained with --deterministic \(checkpoint.deterministicShards), this run uses \(configuration.deterministicShards)")
        }
        if checkpoint.seed != configuration.seed {
            return .incompatible(path: path, reason: "it was trained with --seed \(checkpoint.seed), this run uses \(configuration.seed)")
        }
        if checkpoint.progress.stepsPerEpoch != stepsPerEpoch {
            return .incompatible(path: path, reason: "it was trained on \(checkpoint.progress.stepsPerEpoch) steps per epoch, this data gives \(stepsPerEpoch)")
        }
        return nil
    }

    /// Rank 0's initial state (fresh, or restored) is broadcast so every
    /// replica starts bit-identical.
    func synchronizeInitialState(from start: StartingPoint) throws(TrainingError) {
        var checkpoint: Checkpoint?
        var continuesMetrics = false
        if case let .checkpoint(restored, path, ownMetrics) = start {
            checkpoint = restored
            newestCheckpoint = path
            continuesMetrics = ownMetrics
        }
        let optimizer = sync.optimizer
        if communicator.isRoot {
            if let checkpoint {
                sync.parameters.copy(from: checkpoint.parameters)
                optimizer.adam.step = checkpoint.adamStep
                progress = checkpoint.progress
                lastMetrics = checkpoint.lastMetrics
            } else if case .random = start {
                var generator = SplitMix64(seed: configuration.seed, stream: 0x494E_4954)
                evaluationModel.initializeParameters(using: &generator)
            }
        }
        do {
            var restored: [Int64] = [checkpoint == nil ? 0 : 1]
            try communicator.broadcast(&restored)
            if restored[0] == 1 {
                try optimizer.distributeMoments(first: checkpoint?.firstMoment, second: checkpoint?.secondMoment)
            }
            var counters: [Int64] = [Int64(progress.step), Int64(optimizer.adam.step), Int64(progress.skippedSteps),
                                    Int64(progress.epochSamples)]
            var sums: [Double] = [progress.epochSums.loss, progress.epochSums.reconstruction, progress.epochSums.kl]
            try communicator.broadcast(&counters)
            try communicator.broadcast(&sums)
            try sync.shareInitialParameters(over: communicator)
            progress.step = Int(counters[0])
            optimizer.adam.step = Int(counters[1])
            progress.skippedSteps = Int(counters[2])
            progress.epochSamples = Int(counters[3])
            progress.epochSums = LossTerms(loss: sums[0], reconstruction: sums[1], kl: sums[2])
        } catch {
            throw .mpi(error)
        }
        if communicator.isRoot && continuesMetrics {
            do {
                try metricsLog.truncate(afterStep: progress.step)
            } catch {
                throw .file(error)
            }
        }
    }
}
