import Dataset
import Logging
import MPI
import Randomness
import Tensors
import VAE
import Checkpoints
import Watchdog
import RunDirectory
import Synchronizers
import TrainingCore
import Evaluation
import TrainingInput

/// The data-parallel trainer: every rank runs one `Trainer` over its share
/// of each global batch; a ``GradientSynchronizer`` makes every rank's
/// parameters take the same update. Rank 0 also evaluates, logs and
/// checkpoints.
///
/// Where things are: this file sets a run up; `TrainingLoop.swift` runs
/// epochs and decides when to checkpoint; `TrainingStep.swift` is one step;
/// `Trainer+Checkpoint.swift` writes a checkpoint (and says what goes into
/// it); `Trainer+Start.swift` restores one; `EpochReport.swift` turns an
/// epoch into metrics and progress.
public final class Trainer {
    let configuration: TrainingConfiguration
    let communicator: Communicator
    let logger: Logger
    let data: TrainingData
    let sampler: DistributedSampler
    let sync: GradientSynchronizer
    /// Views the trained parameters, with a fixed batch capacity of its own,
    /// for the test loss and pictures: their chunking (and so their float
    /// sums) does not depend on the training batch, the mode or the ranks.
    let evaluationModel: VariationalAutoencoder
    let checkpoints: CheckpointDirectory
    let metricsLog: MetricsLog
    var progress: TrainingProgress
    var lastMetrics: [String: Double] = [:]
    /// Consecutive skipped steps (reset by an applied one).
    var consecutiveBadSteps = 0
    /// The learning rate and β of every step (horizon: the run's total steps).
    let schedule: TrainingSchedule
    /// The last step taken, for progress reports.
    var lastStep = StepRecord(step: 0, terms: LossTerms(), learningRate: 0, beta: 0, gradientNorm: nil)
    /// Rank 0: the newest checkpoint this run wrote or resumed from.
    var newestCheckpoint: String?
    /// Rank 0: the lock on the output directory, held until the trainer goes.
    var outputLock: OutputLock?
    /// Rank 0: the checkpoints of this run in the output directory.
    var branch: LiveBranch?
    /// Rank 0's TensorBoard event file (nil on other ranks, and before the run starts).
    var events: TrainingEvents?
    /// The synchronizer's collective time at the last TensorBoard step.
    var collectiveSecondsLogged = 0.0
    /// Rank 0's live progress (nil: none).
    public var progressReporter: ProgressReporter?
    /// Test-only faults; see ``FaultInjection``.
    let faults: [FaultInjection]
    /// Ends the job when this rank waits too long for the others (`--stall-timeout`).
    let watchdog: StallWatchdog
    /// Recent step times, which raise the watchdog's limit for slow steps.
    var stepTimes = StepTimeMedian()
    /// Every rank's OpenBLAS kernels, for the start-up line and `latest.json`.
    let blasKernels: RankKernels

    /// Loads the data, checks the setup on every rank and agrees on it,
    /// prepares the output directory and restores or initializes the model
    /// (rank 0's state is broadcast, so every replica starts identical).
    public init(configuration: TrainingConfiguration, communicator: Communicator, logger: Logger,
                faults: [FaultInjection] = []) throws(TrainingError) {
        self.configuration = configuration
        self.communicator = communicator
        self.logger = logger
        self.faults = faults
        watchdog = StallWatchdog(minimumSeconds: configuration.stallTimeout, rank: communicator.rank, size: communicator.size)
        BLASThreads.set(configuration.blasThreads)
        do {
            blasKernels = try RankKernels.gather(communicator)
        } catch {
            throw .mpi(error)
        }
        if configuration.deterministicShards > 0 && !blasKernels.isUniform {
            let kernels = blasKernels.description
            try communicator.agree { () throws(TrainingError) in
                throw .configuration("--deterministic needs the same BLAS kernels on every rank (its bits depend on them), but this job runs \(kernels); set OPENBLAS_CORETYPE to one kernel every node can run (HASWELL, or SKYLAKEX where all have AVX-512)")
            }
        }

        let data = try TrainingData.load(
            TrainingData.Options(data: configuration.dataDirectory, testData: configuration.testData,
                                 holdout: configuration.holdout, holdoutSeed: configuration.holdoutSeed,
                                 normalize: configuration.normalize,
                                 requiresUnitRange: configuration.objective.reconstruction.outputActivation == .sigmoid,
                                 reconstruction: configuration.objective.reconstruction.rawValue),
            communicator: communicator)
        let sampler = try communicator.agree { () throws(TrainingError) -> DistributedSampler in
            try Self.makeSampler(configuration: configuration, data: data, worldSize: communicator.size, rank: communicator.rank)
        }
        self.data = data
        self.sampler = sampler
        if configuration.patience != nil && data.test == nil {
            try communicator.agree { () throws(TrainingError) in
                throw .configuration("--patience watches the held-out loss: it needs a test set (--test-data, --holdout F, or an input with its own test split)")
            }
        }

        let architecture = Architecture(inputSize: data.shape.features, hidden: configuration.hidden,
                                        latent: configuration.latent,
                                        hasDecoderLogVariance: configuration.objective.reconstruction.learnsDecoderVariance)
        try MemoryEstimate.requireFits(architecture, configuration: configuration, communicator: communicator)
        sync = try Self.makeSynchronizer(configuration: configuration, architecture: architecture, sampler: sampler,
                                         communicator: communicator, logger: logger,
                                         forcesRowwiseGEMMSplit: faults.contains(.rowwiseGEMMsDiffer))
        evaluationModel = VariationalAutoencoder(
            architecture: architecture, parameters: sync.parameters,
            gradients: FloatBuffer(count: ParameterLayout(architecture).count).all, batchCapacity: Evaluator.batchCapacity)
        if configuration.overlap && communicator.size == 1 {
            logger.notice("--overlap: one rank has no gradients to send, so there is nothing to overlap")
        }
        checkpoints = CheckpointDirectory(path: configuration.outputDirectory, keep: configuration.keep)
        metricsLog = MetricsLog(path: "\(configuration.outputDirectory)/\(MetricsLog.fileName)")
        progress = TrainingProgress(stepsPerEpoch: sampler.stepsPerEpoch / configuration.accumulate)
        var schedule = configuration.schedule
        // The schedule's horizon is --epochs' last step; --max-steps stops a
        // run early without bending its schedule (so a run stopped there and
        // resumed follows the uninterrupted run's curve exactly).
        let (epochSteps, overflow) = configuration.epochs.multipliedReportingOverflow(by: progress.stepsPerEpoch)
        schedule.horizon = overflow ? .max : epochSteps
        self.schedule = schedule

        let start = try communicator.agree { () throws(TrainingError) -> StartingPoint in
            try self.findStartingPoint()
        }
        try synchronizeInitialState(from: start)
    }

    var architecture: Architecture { evaluationModel.architecture }

    /// The training data's digest (see ``SampleMatrix/digest``), for the run's record.
    public var dataDigest: String { String(data.train.matrix.digest, radix: 16) }

    /// "OpenBLAS 0.3.21, SkylakeX kernels" (or each rank's, where they differ), for the run's record.
    public var blasDescription: String { "OpenBLAS \(BLASKernel.choice.version), \(blasKernels.description)" }

    /// The step the run starts from (a resumed checkpoint's, or 0).
    public var startingStep: Int { progress.step }

    /// The run's last step: `--epochs` of steps, or `--max-steps` if sooner.
    static func totalSteps(configuration: TrainingConfiguration, stepsPerEpoch: Int) -> Int {
        let (epochSteps, overflow) = configuration.epochs.multipliedReportingOverflow(by: stepsPerEpoch)
        return min(overflow ? .max : epochSteps, configuration.maxSteps ?? .max)
    }

    /// Optimizer steps per epoch (each of `accumulate` sampler steps).
    var stepsPerEpoch: Int { progress.stepsPerEpoch }

    /// Samples behind one optimizer step, over all ranks.
    var samplesPerStep: Int { sampler.globalBatchSize * configuration.accumulate }

    /// The strategy the settings ask for (``SynchronizerFactory``), after
    /// refusing the one combination no strategy runs.
    static func makeSynchronizer(configuration: TrainingConfiguration, architecture: Architecture,
                                 sampler: DistributedSampler, communicator: Communicator, logger: Logger,
                                 forcesRowwiseGEMMSplit: Bool) throws(TrainingError) -> GradientSynchronizer {
        if configuration.deterministicShards > 0, let conflict = configuration.gradientSync.conflictWithDeterministic {
            throw .configuration(conflict)
        }
        let settings = SynchronizerSettings(
            gradientSync: configuration.gradientSync, deterministicShards: configuration.deterministicShards,
            clipGradNorm: configuration.clipGradNorm, overlap: configuration.overlap,
            accumulate: configuration.accumulate, learningRate: configuration.learningRate, seed: configuration.seed,
            reconstruction: configuration.objective.reconstruction, forcesRowwiseGEMMSplit: forcesRowwiseGEMMSplit)
        do {
            return try SynchronizerFactory.make(settings, architecture: architecture, sampler: sampler,
                                                communicator: communicator) { note in
                guard communicator.isRoot else { return }
                switch note {
                case let .info(line): logger.info("\(line)")
                case let .notice(line): logger.notice("\(line)")
                }
            }
        } catch {
            throw .mpi(error)
        }
    }

    static func makeSampler(configuration: TrainingConfiguration, data: TrainingData, worldSize: Int,
                            rank: Int) throws(TrainingError) -> DistributedSampler {
        let batch = configuration.globalBatchSize
        let shards = configuration.deterministicShards
        if shards > 0 && shards % worldSize != 0 {
            throw .configuration("--deterministic \(shards) needs a number of ranks that divides \(shards); this job has \(worldSize)")
        }
        guard batch % worldSize == 0 else {
            throw .configuration("--batch-size \(batch) is not divisible by the \(worldSize) ranks; use a multiple of \(worldSize)")
        }
        guard data.train.count >= worldSize else {
            throw .configuration("\(worldSize) ranks but the training set of \(configuration.dataDirectory) has only \(data.train.count) samples")
        }
        guard data.train.count / configuration.accumulate >= batch else {
            throw .configuration("--batch-size \(batch) x --accumulate \(configuration.accumulate) is larger than the \(data.train.count) training samples in \(configuration.dataDirectory)")
        }
        return DistributedSampler(sampleCount: data.train.count, globalBatchSize: batch, rank: rank,
                                  worldSize: worldSize, seed: configuration.seed)
    }
}
