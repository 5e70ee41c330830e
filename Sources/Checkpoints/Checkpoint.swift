import Dataset
import Tensors
import VAE

/// A training checkpoint: the model (under PyTorch names), Adam's state and
/// the run's progress, in one safetensors file.
///
/// The model tensors load into the seed's PyTorch `VAE` with
/// `load_state_dict`; `optimizer.exp_avg` / `optimizer.exp_avg_sq` hold
/// Adam's moments in the flat parameter order; `__metadata__` holds the
/// configuration, progress, format version and a CRC-32 of the metadata and
/// tensor data (``CheckpointChecksum``). Nothing time-dependent is stored,
/// so the same state always gives the same bytes: resumed and uninterrupted
/// runs can be compared with `cmp`. Reading is in `Checkpoint+Decoding.swift`.
public struct Checkpoint: Sendable {
    /// The version `encoded()` writes.
    public static let formatVersion = 3
    /// The versions `decode` reads (version 1's checksum covers only the
    /// tensor data, see ``CheckpointChecksum``; versions 1 and 2 predate
    /// ``InputFormat``, which they get from ``InputFormat/assumed(inputSize:)``).
    public static let readableFormatVersions = 1...3
    public static let formatName = "vae-dist-checkpoint"

    public var architecture: Architecture
    /// The training data's shape, normalization and binarization (version 3).
    public var input: InputFormat
    public var objective: Objective
    public var learningRate: Float
    /// The learning-rate schedule and KL warm-up (version 3; older files: constant).
    public var schedule: TrainingSchedule
    public var clipGradNorm: Float?
    public var patience: Int?
    public var globalBatchSize: Int
    /// Micro-batches summed per optimizer step (`--accumulate`).
    public var accumulate: Int
    /// Micro-shards per batch in `--deterministic` mode (0: off).
    public var deterministicShards: Int
    public var seed: UInt64
    public var worldSize: Int
    public var progress: TrainingProgress
    public var adamStep: Int
    /// Per-sample metrics of the last completed epoch, for `inspect`.
    public var lastMetrics: [String: Double]
    public var parameters: Vector
    public var firstMoment: Vector
    public var secondMoment: Vector
    /// False only for a file decoded with `verifyingChecksum: false` whose
    /// contents do not match its recorded CRC-32 (`inspect` reports it).
    public var checksumMatches = true
    /// The format version of the file this was decoded from
    /// (``formatVersion`` for a checkpoint made in memory); `encoded()`
    /// always writes ``formatVersion``.
    public var fileFormatVersion = Checkpoint.formatVersion

    public init(architecture: Architecture, objective: Objective, learningRate: Float, globalBatchSize: Int,
                accumulate: Int = 1, deterministicShards: Int = 0, seed: UInt64, worldSize: Int, progress: TrainingProgress, adamStep: Int,
                lastMetrics: [String: Double], parameters: Vector, firstMoment: Vector, secondMoment: Vector,
                input: InputFormat? = nil, schedule: TrainingSchedule? = nil, clipGradNorm: Float? = nil,
                patience: Int? = nil) {
        self.architecture = architecture
        self.schedule = schedule ?? TrainingSchedule(learningRate: learningRate, horizon: 0, beta: objective.beta)
        self.clipGradNorm = clipGradNorm
        self.patience = patience
        self.input = input ?? .assumed(inputSize: architecture.inputSize)
        self.objective = objective
        self.learningRate = learningRate
        self.globalBatchSize = globalBatchSize
        self.accumulate = accumulate
        self.deterministicShards = deterministicShards
        self.seed = seed
        self.worldSize = worldSize
        self.progress = progress
        self.adamStep = adamStep
        self.lastMetrics = lastMetrics
        self.parameters = parameters
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }

    public func encoded() -> [UInt8] {
        let tensors = ModelTensors(architecture).tensors(
            ModelTensors.Vectors(parameters: parameters, normalization: input.normalization.vectors,
                                 moments: (firstMoment, secondMoment)))
        var metadata = ArchitectureMetadata.fields(of: architecture)
        metadata.merge([
            "format": Self.formatName,
            "format_version": String(Self.formatVersion),
            "reconstruction": objective.reconstruction.rawValue,
            "input_shape": input.shapeField,
            "input_dtype": input.elementField,
            "normalize": input.normalization.mode.rawValue,
            "binarize": input.binarize ? "1" : "0",
            "beta": String(objective.beta),
            "learning_rate": String(learningRate),
            "batch_size": String(globalBatchSize),
            "accumulate": String(accumulate),
            "deterministic_shards": String(deterministicShards),
            "seed": String(seed),
            "world_size": String(worldSize),
            "step": String(progress.step),
            "steps_per_epoch": String(progress.stepsPerEpoch),
            "epoch": String(progress.epoch),
            "adam_step": String(adamStep),
            "skipped_steps": String(progress.skippedSteps),
            "epoch_loss_sum": String(progress.epochSums.loss),
            "epoch_recon_sum": String(progress.epochSums.reconstruction),
            "epoch_kl_sum": String(progress.epochSums.kl),
            "epoch_samples": String(progress.epochSamples),
        ]) { _, new in new }
        metadata.merge(controlFields) { _, new in new }
        for (key, value) in lastMetrics { metadata[Self.metricPrefix + key] = String(value) }
        metadata[CheckpointChecksum.field(version: Self.formatVersion)] = CheckpointChecksum.value(
            version: Self.formatVersion, metadata: metadata, data: tensors.map { $0.bytes[...] })
        return SafeTensors.encode(tensors, metadata: metadata)
    }

    /// Version 3's training controls and their state.
    private var controlFields: [String: String] {
        var fields = [String: String]()
        fields["epoch_grad_norm_sum"] = String(progress.epochGradientNormSum)
        fields["epoch_grad_norm_count"] = String(progress.epochGradientNormCount)
        // Only a finite loss can be the best; anything else is written as none.
        fields["best_test_loss"] = progress.bestTestLoss.flatMap { $0.isFinite ? String($0) : nil } ?? "none"
        fields["epochs_without_improvement"] = String(progress.epochsWithoutImprovement)
        fields["stopped_early"] = progress.stoppedEarly ? "1" : "0"
        fields["lr_schedule"] = schedule.shape.rawValue
        fields["warmup_steps"] = String(schedule.warmupSteps)
        fields["lr_min"] = String(schedule.minimumRate)
        fields["lr_step_every"] = String(schedule.stepEvery)
        fields["lr_gamma"] = String(schedule.gamma)
        fields["lr_horizon"] = String(schedule.horizon)
        fields["kl_warmup"] = String(schedule.klWarmupSteps)
        fields["clip_grad_norm"] = clipGradNorm.map { String($0) } ?? "none"
        fields["patience"] = patience.map(String.init) ?? "none"
        return fields
    }

    /// Metadata keys of ``lastMetrics`` start with this.
    static let metricPrefix = "metric_"
}
