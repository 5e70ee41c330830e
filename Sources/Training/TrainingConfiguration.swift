import Dataset
import VAE

/// Everything `vae-dist train` was asked to do.
public struct TrainingConfiguration: Sendable {
    public enum Resume: Equatable, Sendable {
        case none
        /// The newest valid checkpoint in the output directory, if any.
        case auto
        case path(String)
    }

    public var dataDirectory: String = MNISTDirectory.defaultPath
    public var outputDirectory: String = "vae-run"
    public var hidden: [Int] = [400]
    public var latent: Int = 20
    public var objective = Objective()
    public var learningRate: Float = 1e-3
    public var epochs: Int = 10
    public var globalBatchSize: Int = 128
    /// Micro-batches of `globalBatchSize` whose gradients are summed before
    /// each synchronization and update (an effective batch of K·B).
    public var accumulate: Int = 1
    public var seed: UInt64 = 1
    public var maxSteps: Int?
    public var checkpointEvery: Int = 0
    public var keep: Int = 3
    public var resume: Resume = .none
    /// Weights to start from when no checkpoint is resumed (`--init`).
    public var initialWeights: String?
    public var blasThreads: Int = 1
    public var imagesEvery: Int = 1
    public var logEvery: Int = 100
    public var maxBadSteps: Int = 20
    public var gradientSync: GradientSync = .sharded
    /// Start the decoder's gradient allreduce while the encoder's backward
    /// runs (allreduce sync only).
    public var overlap = false
    /// `--deterministic M`: micro-shards per global batch for bitwise
    /// reproducibility across rank counts dividing M (0: off).
    public var deterministicShards: Int = 0

    public init() {}
}
