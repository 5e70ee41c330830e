import MPI
import SystemIO
import Randomness
import Tensors
import RunDirectory
import Synchronizers
import TrainingCore

extension Trainer {
    /// Trains until `--epochs` (or `--max-steps`) is reached, checkpointing at
    /// every epoch end, every `--checkpoint-every` steps and at the end.
    /// Returns the metrics of the last completed epoch, if one completed.
    ///
    /// A trainer runs once: when every rank ends together (done, or an
    /// agreed stop), the synchronizer releases what it holds in MPI.
    @discardableResult
    public func run() throws(TrainingError) -> EpochMetrics? {
        startWatchdog()
        defer { watchdog.stop() }
        let outcome: Result<EpochMetrics?, TrainingError>
        do {
            outcome = .success(try train())
        } catch {
            outcome = .failure(error)
        }
        if outcome.isAgreedEnd {
            try collective(at: .release, step: progress.step) { () throws(MPIError) in try sync.finish() }
        }
        return try outcome.get()
    }

    private func train() throws(TrainingError) -> EpochMetrics? {
        let totalSteps = Self.totalSteps(configuration: configuration, stepsPerEpoch: stepsPerEpoch)
        if progress.stoppedEarly {
            logger.notice("this run stopped early at step \(progress.step) (--patience \(configuration.patience.map(String.init) ?? "-"): no better held-out loss for \(progress.epochsWithoutImprovement) epochs); nothing to train")
            return nil
        }
        if progress.step >= totalSteps {
            logger.info("nothing to train: already at step \(progress.step) of \(totalSteps)")
            return nil
        }
        logger.info("\(blasKernels.startupLine)")
        logger.info("training \(architecture) (\(evaluationModel.layout.count) parameters) on \(data.train.count) samples of \(data.shape) from \(data.path) (\(data.description)), \(data.test.map { "\($0.count) test samples" } ?? "no test set"), \(communicator.size) rank(s) x batch \(sampler.localBatchSize)\(configuration.accumulate > 1 ? " x \(configuration.accumulate) accumulated" : ""), \(stepsPerEpoch) steps per epoch, \(sync.name) gradient sync")
        if communicator.isRoot {
            events = try TrainingEvents(directory: "\(configuration.outputDirectory)/tensorboard", step: progress.step)
        }
        defer { try? events?.close() }
        var lastEpoch: EpochMetrics?
        // Whether the last epoch this run completed applied no step at all.
        var lastEpochSkippedEveryStep = false
        while progress.step < totalSteps {
            let epoch = progress.epoch
            let order = sampler.order(epoch: epoch)
            let noise = CounterGaussian(seed: configuration.seed, stream: UInt64(epoch))
            let source = trainingSource(epoch: epoch)
            let clock = EpochClock(sync: sync)
            var stepsThisRun = 0
            var stopRequested = false
            repeat {
                let stepStart = MPIEnvironment.wallTime
                stopRequested = try step(order: order, source: source, noise: noise)
                recordStepTime(MPIEnvironment.wallTime - stepStart)
                stepsThisRun += 1
                if stepsThisRun == 1, let anonymous = ProcessMemory.residentAnonymousBytes {
                    // Every rank says it (prefixed with its rank): memory is per process.
                    logger.debug("resident anonymous memory after the first step: \(anonymous / 1_048_576) MiB",
                                 metadata: ["scope": "rank"])
                }
                reportProgress(stepsThisRun: stepsThisRun, since: clock.start)
                if configuration.logEvery > 0 && progress.step % configuration.logEvery == 0 {
                    try events?.logStep(lastStep, samplesPerStep: samplesPerStep,
                                        collectiveSeconds: sync.clock.seconds - collectiveSecondsLogged)
                    collectiveSecondsLogged = sync.clock.seconds
                }
                if configuration.checkpointEvery > 0, progress.step % configuration.checkpointEvery == 0,
                   progress.stepInEpoch != 0, progress.step < totalSteps, !stopRequested {
                    try saveCheckpoint()
                }
            } while progress.stepInEpoch != 0 && progress.step < totalSteps && !stopRequested
            let timing = clock.read()

            let checkpoint: String?
            if progress.stepInEpoch == 0 {
                lastEpochSkippedEveryStep = progress.epochSamples == 0
                let metrics = try finishEpoch(epoch: epoch + 1, steps: stepsThisRun, timing: timing)
                lastEpoch = metrics
                checkpoint = try saveCheckpoint()
            } else {
                lastEpochSkippedEveryStep = false
                checkpoint = try saveCheckpoint()  // --max-steps or a stop inside an epoch
            }
            if stopRequested {
                // No rank leaves before rank 0's checkpoint is on disk: mpirun
                // ends the whole job as soon as one rank exits non-zero.
                try collective(at: .stopBarrier, step: progress.step) { () throws(MPIError) in
                    try communicator.barrier()
                }
                throw .stopped(step: progress.step, checkpoint: checkpoint)
            }
            if progress.stepInEpoch != 0, communicator.isRoot {
                logger.info("reached --max-steps \(progress.step) in epoch \(progress.epoch + 1) (step \(progress.stepInEpoch) of \(stepsPerEpoch))\(checkpoint.map { "; wrote \($0)" } ?? ""); a larger --max-steps or --epochs with --resume auto continues")
            }
            if progress.stepInEpoch != 0 || progress.stoppedEarly { break }
        }
        if lastEpochSkippedEveryStep {
            // Every rank knows it (the skips were agreed), so every rank ends here together.
            throw .lastEpochSkippedEveryStep(epoch: progress.epoch, steps: stepsPerEpoch, newestCheckpoint: newestCheckpoint)
        }
        return lastEpoch
    }
}

extension Result<EpochMetrics?, TrainingError> {
    /// Every rank reached this end at the same point: a success, a stop, or
    /// too many bad steps. Not a failure on one rank: that rank ends the job
    /// with `MPI_Abort`, so nothing collective may run on the way there (and
    /// its peers' ``TrainingError/failedOnOtherRank(_:)`` is not waited on).
    fileprivate var isAgreedEnd: Bool {
        switch self {
        case .success: true
        case .failure(.failedOnOtherRank): false
        case let .failure(error): error.isAgreed
        }
    }
}

/// Where the time of an epoch's training steps went, on this rank.
struct EpochTiming {
    var trainSeconds: Double
    var gemmSeconds: Double
    var collectiveSeconds: Double
}

/// Reads the clocks at an epoch's start and reports the differences.
struct EpochClock {
    let sync: GradientSynchronizer
    let start = MPIEnvironment.wallTime
    private let gemmAtStart = GEMMClock.seconds
    private let collectivesAtStart: Double

    init(sync: GradientSynchronizer) {
        self.sync = sync
        collectivesAtStart = sync.clock.seconds
    }

    func read() -> EpochTiming {
        EpochTiming(trainSeconds: MPIEnvironment.wallTime - start, gemmSeconds: GEMMClock.seconds - gemmAtStart,
                    collectiveSeconds: sync.clock.seconds - collectivesAtStart)
    }
}
