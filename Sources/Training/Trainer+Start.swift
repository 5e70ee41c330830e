import MPI
import Randomness
import SystemIO
import Tensors
import VAE
import Checkpoints
import TrainingCore

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
            return .incompatible(path: path, reason: "it holds a \(checkpoint.architecture) model, this run is \(architecture) (the checkpoint's samples: \(checkpoint.input.shape), --data's: \(inputFormat.shape); check --hidden, --latent, --recon and --data)")
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
        if let problem = scheduleIncompatibility(of: checkpoint) {
            return .incompatible(path: path, reason: problem)
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
                                    Int64(progress.epochSamples), Int64(progress.epochsWithoutImprovement),
                                    progress.stoppedEarly ? 1 : 0, progress.bestTestLoss == nil ? 0 : 1,
                                    Int64(progress.epochGradientNormCount)]
            var sums: [Double] = [progress.epochSums.loss, progress.epochSums.reconstruction, progress.epochSums.kl,
                                  progress.epochGradientNormSum, progress.bestTestLoss ?? 0]
            try communicator.broadcast(&counters)
            try communicator.broadcast(&sums)
            try sync.shareInitialParameters(over: communicator)
            progress.step = Int(counters[0])
            optimizer.adam.step = Int(counters[1])
            progress.skippedSteps = Int(counters[2])
            progress.epochSamples = Int(counters[3])
            progress.epochsWithoutImprovement = Int(counters[4])
            progress.stoppedEarly = counters[5] == 1
            progress.epochSums = LossTerms(loss: sums[0], reconstruction: sums[1], kl: sums[2])
            progress.epochGradientNormSum = sums[3]
            progress.bestTestLoss = counters[6] == 1 ? sums[4] : nil
            progress.epochGradientNormCount = Int(counters[7])
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

    /// A resume continues the run's schedule exactly, so its settings must
    /// be the checkpoint's. Raising `--epochs` moves the horizon: harmless
    /// for constant and step schedules, but it would bend a cosine curve
    /// already half travelled, so that is refused (start a new run, or keep
    /// --epochs). Files from before schedules existed ran a constant one.
    private func scheduleIncompatibility(of checkpoint: Checkpoint) -> String? {
        guard checkpoint.fileFormatVersion >= 3 else {
            return schedule.shape == .constant && schedule.warmupSteps == 0 && schedule.klWarmupSteps == 0
                && configuration.clipGradNorm == nil && configuration.patience == nil
                ? nil : "it predates --lr-schedule, --warmup-steps, --kl-warmup, --clip-grad-norm and --patience; resume it without them"
        }
        var theirs = checkpoint.schedule, ours = schedule
        // --lr and --beta may change on a branch (checked nowhere before schedules existed either).
        (theirs.learningRate, theirs.beta) = (ours.learningRate, ours.beta)
        if ours.shape != .cosine { (theirs.horizon, ours.horizon) = (0, 0) }
        if theirs != ours {
            if theirs.horizon != ours.horizon && theirs.shape == ours.shape {
                return "its cosine schedule ends at step \(theirs.horizon), this run's at \(ours.horizon) (--epochs changed): a resume cannot bend a cosine schedule; keep the horizon or start a new run"
            }
            return "it was trained with another schedule (--lr-schedule \(theirs.shape.rawValue), --warmup-steps \(theirs.warmupSteps), --kl-warmup \(theirs.klWarmupSteps), --lr-min \(theirs.minimumRate), --lr-step-every \(theirs.stepEvery), --lr-gamma \(theirs.gamma))"
        }
        if checkpoint.clipGradNorm != configuration.clipGradNorm {
            return "it was trained with --clip-grad-norm \(checkpoint.clipGradNorm.map { String($0) } ?? "off"), this run uses \(configuration.clipGradNorm.map { String($0) } ?? "off")"
        }
        if checkpoint.patience != configuration.patience {
            return "it was trained with --patience \(checkpoint.patience.map(String.init) ?? "off"), this run uses \(configuration.patience.map(String.init) ?? "off")"
        }
        return nil
    }
}
