import RealModule

/// The learning rate and β of every step, as pure functions of the step
/// count: every rank computes the same values without communicating, and a
/// resumed run continues them exactly (the checkpoint stores the settings,
/// and the step).
///
/// Learning rate (`--lr-schedule`): a linear warm-up over `warmupSteps`
/// (from lr/warmup to lr), then `constant`; `cosine` annealing from lr to
/// `minimumRate` at the run's last step (the horizon); or `step` decay by
/// `gamma` every `stepEvery` steps. β (`--kl-warmup N`): 0 at step 0,
/// rising linearly to `--beta` at step N (Bowman et al., 2016), against
/// posterior collapse.
public struct TrainingSchedule: Equatable, Sendable {
    public enum Shape: String, CaseIterable, Sendable {
        case constant, cosine, step
    }

    public var shape: Shape
    public var learningRate: Float
    public var warmupSteps: Int
    /// `cosine`: the rate at the horizon.
    public var minimumRate: Float
    /// `step`: steps between decays, and the factor of each.
    public var stepEvery: Int
    public var gamma: Float
    /// The run's total optimizer steps (cosine needs to know where it ends).
    public var horizon: Int
    public var beta: Float
    public var klWarmupSteps: Int

    public init(shape: Shape = .constant, learningRate: Float, warmupSteps: Int = 0, minimumRate: Float = 0,
                stepEvery: Int = 1, gamma: Float = 1, horizon: Int, beta: Float, klWarmupSteps: Int = 0) {
        self.shape = shape
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.minimumRate = minimumRate
        self.stepEvery = stepEvery
        self.gamma = gamma
        self.horizon = horizon
        self.beta = beta
        self.klWarmupSteps = klWarmupSteps
    }

    /// The learning rate of the update that step `step` (0-based: updates
    /// already taken) applies.
    public func learningRate(atStep step: Int) -> Double {
        let base = Double(learningRate)
        if step < warmupSteps { return base * Double(step + 1) / Double(warmupSteps) }
        let since = step - warmupSteps
        switch shape {
        case .constant:
            return base
        case .cosine:
            let length = max(horizon - warmupSteps, 1)
            let progress = min(Double(since) / Double(length), 1)
            let minimum = Double(minimumRate)
            return minimum + (base - minimum) * 0.5 * (1 + Double.cos(Double.pi * progress))
        case .step:
            return base * Double.pow(Double(gamma), Double(since / max(stepEvery, 1)))
        }
    }

    /// β of step `step`: 0 at step 0 under a KL warm-up.
    public func beta(atStep step: Int) -> Float {
        guard klWarmupSteps > 0, step < klWarmupSteps else { return beta }
        return beta * Float(Double(step) / Double(klWarmupSteps))
    }
}
