import Dataset
import Logging
import MPI
import Randomness
import Tensors
import VAE

/// The data-parallel training loop. Every rank runs one `Trainer` over its
/// shard of each global batch; gradients are summed across ranks in one
/// allreduce per step, and every rank applies the same Adam step, so all
/// replicas stay identical. Rank 0 also evaluates, logs and checkpoints.
public final class Trainer {
    let configuration: TrainingConfiguration
    let communicator: Communicator
    let logger: Logger
    let data: MNISTDirectory
    let model: VariationalAutoencoder
    let adam: Adam
    let sampler: DistributedSampler
    let checkpoints: CheckpointDirectory
    let metricsLog: MetricsLog
    /// Gradients followed by ``StepTrailer`` slots: the loss sums and the
    /// step's flags travel with the gradients (one allreduce), or just ahead
    /// of them (sharded sync).
    let reduction: FloatBuffer
    let partition: OptimizerPartition
    /// Set in `--deterministic` mode.
    let deterministic: DeterministicStep?
    /// This rank's part of the reduced gradients (sharded sync).
    let gradientShard: Vector
    var progress: TrainingProgress
    var lastMetrics: [String: Double] = [:]
    /// Rank 0's live progress (nil: none).
    public var progressReporter: ProgressReporter?
    /// Test-only faults; see ``FaultInjection``.
    let faults: [FaultInjection]

    /// Slots after the gradients in ``reduction``.
    enum StepTrailer: Int, CaseIterable {
        /// Loss sums of this rank's shard.
        case loss, reconstruction, kl
        /// 1 on a rank whose loss or gradients hold NaN/Inf.
        case nonFinite
        /// 1 on a rank that received a stop signal.
        case stopRequested
        static let count = allCases.count
    }

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
        let parameterCount = ParameterLayout(architecture).count
        let parameters = FloatBuffer(count: parameterCount)
        partition = OptimizerPartition(sync: configuration.gradientSync, parameterCount: parameterCount,
                                       rank: communicator.rank, worldSize: communicator.size)
        if configuration.deterministicShards > 0 {
            let step = DeterministicStep(
                shards: configuration.deterministicShards, architecture: architecture, parameters: parameters.all,
                partition: partition, sampleCount: data.train.count, globalBatchSize: configuration.globalBatchSize,
                seed: configuration.seed, rank: communicator.rank, worldSize: communicator.size)
            deterministic = step
            reduction = FloatBuffer(count: 0)
            model = step.replicas[0]
        } else {
            deterministic = nil
            reduction = FloatBuffer(count: parameterCount + StepTrailer.count)
            model = VariationalAutoencoder(architecture: architecture, parameters: parameters.all,
                                           gradients: reduction.vector(offset: 0, count: parameterCount),
                                           batchCapacity: max(sampler.localBatchSize, 64))
        }
        gradientShard = partition.isSharded ? FloatBuffer(count: partition.range.count).all : model.gradients
        adam = Adam(configuration: Adam.Configuration(learningRate: Double(configuration.learningRate)),
                    parameterCount: partition.range.count)
        checkpoints = CheckpointDirectory(path: configuration.outputDirectory, keep: configuration.keep)
        metricsLog = MetricsLog(path: "\(configuration.outputDirectory)/metrics.jsonl")
        progress = TrainingProgress(stepsPerEpoch: sampler.stepsPerEpoch / configuration.accumulate)

        let start = try communicator.agree { () throws(TrainingError) -> StartingPoint in
            guard communicator.isRoot else { return .random }
            if let checkpoint = try self.prepareOutputAndFindCheckpoint() { return .checkpoint(checkpoint) }
            guard let path = configuration.initialWeights else { return .random }
            do throws(CheckpointError) {
                try ModelFile.load(path, into: self.model.parameters, architecture: self.model.architecture)
            } catch {
                throw .checkpoint(error)
            }
            logger.info("starting from the weights in \(path)")
            return .weights
        }
        try synchronizeInitialState(from: start)
    }

    /// Optimizer steps per epoch (each of `accumulate` sampler steps).
    var stepsPerEpoch: Int { progress.stepsPerEpoch }

    /// Samples behind one optimizer step, over all ranks.
    var samplesPerStep: Int { sampler.globalBatchSize * configuration.accumulate }

    /// Where rank 0's initial state comes from.
    enum StartingPoint {
        case checkpoint(Checkpoint)
        /// `--init`: already loaded into the parameters.
        case weights
        case random
    }

    static func makeSampler(configuration: TrainingConfiguration, data: MNISTDirectory, worldSize: Int,
                            rank: Int) throws(TrainingError) -> DistributedSampler {
        let batch = configuration.globalBatchSize
        let shards = configuration.deterministicShards
        if shards > 0 {
            guard shards % worldSize == 0 else {
                throw .configuration("--deterministic \(shards) needs a number of ranks that divides \(shards); this job has \(worldSize)")
            }
            guard configuration.accumulate == 1 else {
                throw .configuration("--deterministic and --accumulate cannot be combined yet")
            }
        }
        guard batch % worldSize == 0 else {
            throw .configuration("--batch-size \(batch) is not divisible by the \(worldSize) ranks; use a multiple of \(worldSize)")
        }
        guard data.train.count >= worldSize else {
            throw .configuration("\(worldSize) ranks but the training set in \(configuration.dataDirectory) has only \(data.train.count) samples")
        }
        guard data.train.count >= batch * configuration.accumulate else {
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

/// Faults the tests inject to prove how a job reacts, each on one rank at
/// one global step. The CLI reads them from `VAE_DIST_TEST_FAULT` (for
/// tests only; see README, "Failure behaviour"):
///
/// - `nan:RANK:STEP[:COUNT]`: the rank's gradient holds NaN for COUNT steps;
/// - `signal:RANK:STEP:NUMBER`: the rank raises signal NUMBER (through the
///   real handler, as `kill` would);
/// - `crash:RANK:STEP`: the rank crashes (a trap, as from a bug).
public enum FaultInjection: Equatable, Sendable {
    case nan(rank: Int, step: Int, count: Int)
    case signal(rank: Int, step: Int, number: Int32)
    case crash(rank: Int, step: Int)

    /// Parses one fault; nil if malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        let numbers = parts.dropFirst().compactMap { Int($0) }
        guard numbers.count == parts.count - 1, numbers.allSatisfy({ $0 >= 0 }) else { return nil }
        switch (parts.first, numbers.count) {
        case ("nan", 2): self = .nan(rank: numbers[0], step: numbers[1], count: 1)
        case ("nan", 3): self = .nan(rank: numbers[0], step: numbers[1], count: numbers[2])
        case ("signal", 3): self = .signal(rank: numbers[0], step: numbers[1], number: Int32(numbers[2]))
        case ("crash", 2): self = .crash(rank: numbers[0], step: numbers[1])
        default: return nil
        }
    }
}
