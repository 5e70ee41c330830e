import VAE
import Checkpoints
import Synchronizers

/// Everything `vae-dist train` was asked to do.
///
/// Built in one place, the CLI's `Train` command, through the memberwise
/// initializer, which has no defaults: a setting added here that the CLI
/// does not pass is a compile error, not a flag that silently does nothing.
/// The defaults users see live with the flags (`vae-dist train --help`).
public struct TrainingConfiguration: Sendable {
    public enum Resume: Equatable, Sendable {
        case none
        /// The newest valid checkpoint in the output directory, if any.
        case auto
        case path(String)
    }

    /// `--data`: an MNIST-layout directory, a `.npy` file or a folder of PNG images.
    public var dataDirectory: String
    /// `--test-data`: a separate test set (any kind `--data` takes).
    public var testData: String?
    /// `--holdout F`: the fraction of the training input moved into the test set.
    public var holdout: Double?
    /// Picks the held-out rows, independently of `seed`.
    public var holdoutSeed: UInt64
    public var normalize: Normalization.Mode
    /// `--binarize`: each value x replaced by a Bernoulli(x) draw, anew every epoch.
    public var binarize: Bool
    public var outputDirectory: String
    public var hidden: [Int]
    public var latent: Int
    public var objective: Objective
    public var learningRate: Float
    /// `--lr-schedule` and its parameters, and `--kl-warmup` (the horizon is
    /// filled in by the trainer, which knows the run's total steps).
    public var schedule: TrainingSchedule
    /// `--clip-grad-norm`: the global L2 norm gradients are clipped to.
    public var clipGradNorm: Float?
    /// `--patience`: epochs without a better held-out loss before stopping.
    public var patience: Int?
    public var epochs: Int
    public var globalBatchSize: Int
    /// Micro-batches of `globalBatchSize` whose gradients are summed before
    /// each synchronization and update (an effective batch of K·B).
    public var accumulate: Int
    public var seed: UInt64
    public var maxSteps: Int?
    public var checkpointEvery: Int
    public var keep: Int
    public var resume: Resume
    /// Weights to start from when no checkpoint is resumed (`--init`).
    public var initialWeights: String?
    public var blasThreads: Int
    public var imagesEvery: Int
    /// Steps between progress lines when the output is not a terminal.
    public var logEvery: Int
    /// Consecutive non-finite steps after which the run stops.
    public var maxBadSteps: Int
    public var gradientSync: GradientSync
    /// Start the decoder's gradient allreduce while the encoder's backward
    /// runs (allreduce sync only).
    public var overlap: Bool
    /// `--deterministic M`: micro-shards per global batch for bitwise
    /// reproducibility across rank counts dividing M (0: off).
    public var deterministicShards: Int
    /// `--stall-timeout`: seconds a rank may wait for the others at one
    /// synchronization point (raised for slow steps, see ``StallWatchdog``)
    /// before it ends the job; 0: wait forever.
    public var stallTimeout: Double

    public init(dataDirectory: String, testData: String?, holdout: Double?, holdoutSeed: UInt64,
                normalize: Normalization.Mode, binarize: Bool, outputDirectory: String, hidden: [Int], latent: Int, objective: Objective,
                learningRate: Float, schedule: TrainingSchedule, clipGradNorm: Float?, patience: Int?, epochs: Int, globalBatchSize: Int, accumulate: Int, seed: UInt64, maxSteps: Int?,
                checkpointEvery: Int, keep: Int, resume: Resume, initialWeights: String?, blasThreads: Int,
                imagesEvery: Int, logEvery: Int, maxBadSteps: Int, gradientSync: GradientSync, overlap: Bool,
                deterministicShards: Int, stallTimeout: Double) {
        self.dataDirectory = dataDirectory
        self.testData = testData
        self.holdout = holdout
        self.holdoutSeed = holdoutSeed
        self.normalize = normalize
        self.binarize = binarize
        self.outputDirectory = outputDirectory
        self.hidden = hidden
        self.latent = latent
        self.objective = objective
        self.learningRate = learningRate
        self.schedule = schedule
        self.clipGradNorm = clipGradNorm
        self.patience = patience
        self.epochs = epochs
        self.globalBatchSize = globalBatchSize
        self.accumulate = accumulate
        self.seed = seed
        self.maxSteps = maxSteps
        self.checkpointEvery = checkpointEvery
        self.keep = keep
        self.resume = resume
        self.initialWeights = initialWeights
        self.blasThreads = blasThreads
        self.imagesEvery = imagesEvery
        self.logEvery = logEvery
        self.maxBadSteps = maxBadSteps
        self.gradientSync = gradientSync
        self.overlap = overlap
        self.deterministicShards = deterministicShards
        self.stallTimeout = stallTimeout
    }
}
