/// Where rank 0's per-step progress goes (a terminal bar, or log lines).
/// Called after every optimizer step; implementations decide how often to
/// show anything.
public protocol ProgressReporter: AnyObject {
    func stepCompleted(_ progress: StepProgress)
    /// The epoch's last step is done; its summary line follows.
    func epochCompleted()
}

public struct StepProgress: Sendable {
    /// 1-based epoch, out of `epochs`.
    public let epoch: Int
    public let epochs: Int
    /// Steps done in this epoch, out of `stepsPerEpoch`.
    public let step: Int
    public let stepsPerEpoch: Int
    /// Training samples per second since this epoch (or this run) started.
    public let samplesPerSecond: Double
    /// Mean loss per sample over the epoch's steps so far; nil while every
    /// step of the epoch was skipped (non-finite), which has no mean.
    public let runningLoss: Double?
    /// Seconds the rest of the epoch will take at the current rate.
    public let secondsLeft: Double
}
