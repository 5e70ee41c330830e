import VAE

/// Where a run is: everything besides tensors that an exact resume needs.
///
/// Data order and noise are functions of (seed, epoch, position), so the step
/// count alone fixes where to continue; no generator state is saved.
public struct TrainingProgress: Equatable, Sendable {
    /// Optimizer steps taken so far (applied or skipped), over all epochs.
    public var step: Int
    public var stepsPerEpoch: Int
    /// Loss sums over the current epoch's steps so far (reduced over ranks).
    public var epochSums: LossTerms
    /// Samples behind ``epochSums`` (skipped steps contribute none).
    public var epochSamples: Int
    /// Steps skipped because some rank saw a non-finite loss or gradient.
    public var skippedSteps: Int
    /// Sum and count of the pre-clipping gradient norms measured this epoch
    /// (every step when clipping; else the logged steps and the epoch's last).
    public var epochGradientNormSum: Double = 0
    public var epochGradientNormCount = 0
    /// `--patience`: the lowest held-out unweighted loss so far (nil: none
    /// measured yet), epochs since it last improved, and whether the run
    /// stopped early (a resume then stays stopped).
    public var bestTestLoss: Double?
    public var epochsWithoutImprovement = 0
    public var stoppedEarly = false

    public init(step: Int = 0, stepsPerEpoch: Int, epochSums: LossTerms = LossTerms(), epochSamples: Int = 0,
                skippedSteps: Int = 0) {
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.epochSums = epochSums
        self.epochSamples = epochSamples
        self.skippedSteps = skippedSteps
    }

    /// Epochs completed.
    public var epoch: Int { step / stepsPerEpoch }
    public var stepInEpoch: Int { step % stepsPerEpoch }
}
