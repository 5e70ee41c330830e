import Dataset
import Logging
import MPI
import Randomness
import Tensors
import VAE

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
    let data: MNISTDirectory
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
    /// Rank 0: the newest checkpoint this run wrote or resumed from.
    var newestCheckpoint: String?
    /// Rank 0's live progress (nil: none).
    public var progressReporter: ProgressReporter?
    /// Test-only faults; see ``FaultInjection``.
    let faults: [FaultInjection]

    /// Rows per batch of the evaluation model.
    static let evaluationCapacity = 256

    /// Loads the data, checks the setup on every rank and agrees on it,
    /// prepares the output directory and restores or initializes the model
    /// (rank 0's state is broadcast, so every replica starts identical).
    public init(configuration: TrainingConfiguration, communicator: Communicator, logger: Logger,
                faults: [FaultInjection] = []) throws(TrainingError) {
        self.configuration = configuration
        self.communicator = communicator
        self.logger = logger
        self.faults = faults
        BLASThreads.set(configuration.blasThreads)

        let data = try communicator.agree { () throws(TrainingError) -> MNISTDirectory in
            do throws(DatasetError) {
                return try MNISTDirectory(path: configuration.dataDirectory)
            } catch {
                throw .dataset(error)
            }
        }
        try Self.checkSameData(data, communicator: communicator)
        let sampler = try communicator.agree { () throws(TrainingError) -> DistributedSampler in
            try Self.makeSampler(configuration: configuration, data: data, worldSize: communicator.size, rank: communicator.rank)
        }
        self.data = data
        self.sampler = sampler

        let architecture = Architecture(inputSize: data.train.pixelsPerImage, hidden: configuration.hidden,
                                        latent: configuration.latent)
        try MemoryEstimate.requireFits(architecture, configuration: configuration, communicator: communicator)
        sync = Self.makeSynchronizer(configuration: configuration, architecture: architecture, sampler: sampler,
                                     communicator: communicator)
        evaluationModel = VariationalAutoencoder(
            architecture: architecture, parameters: sync.parameters,
            gradients: FloatBuffer(count: ParameterLayout(architecture).count).all, batchCapacity: Self.evaluationCapacity)
        if configuration.overlap && communicator.size == 1 {
            logger.notice("--overlap: one rank has no gradients to send, so there is nothing to overlap")
        }
        checkpoints = CheckpointDirectory(path: configuration.outputDirectory, keep: configuration.keep)
        metricsLog = MetricsLog(path: "\(configuration.outputDirectory)/metrics.jsonl")
        progress = TrainingProgress(stepsPerEpoch: sampler.stepsPerEpoch / configuration.accumulate)

        let start = try communicator.agree { () throws(TrainingError) -> StartingPoint in
            try self.findStartingPoint()
        }
        try synchronizeInitialState(from: start)
    }

    var architecture: Architecture { evaluationModel.architecture }

    /// Optimizer steps per epoch (each of `accumulate` sampler steps).
    var stepsPerEpoch: Int { progress.stepsPerEpoch }

    /// Samples behind one optimizer step, over all ranks.
    var samplesPerStep: Int { sampler.globalBatchSize * configuration.accumulate }

    static func makeSynchronizer(configuration: TrainingConfiguration, architecture: Architecture,
                                 sampler: DistributedSampler, communicator: Communicator) -> GradientSynchronizer {
        let sharded = configuration.gradientSync == .sharded && communicator.size > 1
        if configuration.deterministicShards > 0 {
            return DeterministicSynchronizer(
                shards: configuration.deterministicShards, architecture: architecture, sampleCount: sampler.sampleCount,
                globalBatchSize: sampler.globalBatchSize, accumulate: configuration.accumulate, seed: configuration.seed,
                learningRate: configuration.learningRate, sharded: sharded, communicator: communicator)
        }
        if sharded {
            return ShardedSynchronizer(architecture: architecture, sampler: sampler, accumulate: configuration.accumulate,
                                       learningRate: configuration.learningRate, communicator: communicator)
        }
        return AllreduceSynchronizer(architecture: architecture, sampler: sampler, accumulate: configuration.accumulate,
                                     learningRate: configuration.learningRate,
                                     overlap: configuration.overlap && communicator.size > 1, communicator: communicator)
    }

    static func makeSampler(configuration: TrainingConfiguration, data: MNISTDirectory, worldSize: Int,
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
            throw .configuration("\(worldSize) ranks but the training set in \(configuration.dataDirectory) has only \(data.train.count) samples")
        }
        guard data.train.count / configuration.accumulate >= batch else {
            throw .configuration("--batch-size \(batch) x --accumulate \(configuration.accumulate) is larger than the \(data.train.count) training samples in \(configuration.dataDirectory)")
        }
        return DistributedSampler(sampleCount: data.train.count, globalBatchSize: batch, rank: rank,
                                  worldSize: worldSize, seed: configuration.seed)
    }

    /// Every rank must train on the same samples: a node with a different
    /// copy of the data would silently train a different model.
    static func checkSameData(_ data: MNISTDirectory, communicator: Communicator) throws(TrainingError) {
        let mine = [data.train.fingerprint, data.test.fingerprint]
        let all: [UInt64]
        do {
            all = try communicator.allgather(mine)
        } catch {
            throw .mpi(error)
        }
        for rank in 1..<communicator.size where Array(all[(2 * rank)..<(2 * rank + 2)]) != Array(all[0..<2]) {
            throw .ranksDisagree("rank \(rank) loaded different data from rank 0 (check that --data \(data.path) holds the same files on every node)")
        }
    }
}
