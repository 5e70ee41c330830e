import MPI
import Randomness
import SystemIO
import VAE
import Synchronizers
import TrainingCore
import TrainingInput

/// What one step did, for progress lines and TensorBoard: the same on every rank.
struct StepRecord {
    var step: Int
    /// Summed over the step's samples (all ranks).
    var terms: LossTerms
    var learningRate: Double
    var beta: Float
    /// Before clipping; nil for a skipped step.
    var gradientNorm: Double?
}

extension Trainer {
    /// One data-parallel step, the same on every rank: this rank's share of
    /// the batch forward and backward, then one agreement on the loss terms
    /// and flags, then together either the update or the skip (some rank saw
    /// NaN/Inf). Returns whether some rank asked to stop.
    func step(order: [UInt32], source: BatchSource, noise: CounterGaussian) throws(TrainingError) -> Bool {
        let poisoned = injectsNaN
        let load: BatchLoader = { batch, positions in
            batch.load(order[positions].lazy.map { Int($0) }, from: source, noise: noise, noisePositions: positions)
            if poisoned { batch.input[0, 0] = .nan }
        }
        let index = progress.step
        let objective = Objective(reconstruction: configuration.objective.reconstruction, beta: schedule.beta(atStep: index))
        var report = sync.computeGradients(stepInEpoch: progress.stepInEpoch, objective: objective, load: load)
        injectSignalsAndCrashes()
        report.stopRequested = StopSignals.pending != nil

        let agreed: StepReport
        agreed = try collective(at: .gradientAgreement, step: index + 1) { () throws(MPIError) in
            try sync.agree(report)
        }
        progress.step += 1
        lastStep = StepRecord(step: progress.step, terms: agreed.terms, learningRate: schedule.learningRate(atStep: index),
                              beta: objective.beta, gradientNorm: nil)
        if agreed.nonFinite {
            try recordSkippedStep()
        } else {
            // The norm costs a collective in sharded strategies: taken when
            // clipping needs it, on TensorBoard's steps, and on the epoch's
            // last step (metrics.jsonl's grad_norm is the mean of those).
            let logged = configuration.logEvery > 0 && progress.step % configuration.logEvery == 0
            let measuring = logged || progress.stepInEpoch == 0
            let norm: Double?
            norm = try collective(at: .update, step: progress.step) { () throws(MPIError) -> Double? in
                try sync.applyUpdate(learningRate: schedule.learningRate(atStep: index), clipNorm: configuration.clipGradNorm,
                                     measuringNorm: measuring)
            }
            lastStep.gradientNorm = norm
            consecutiveBadSteps = 0
            progress.epochSums = progress.epochSums + agreed.terms
            progress.epochSamples += samplesPerStep
            if let norm, norm.isFinite {
                progress.epochGradientNormSum += norm
                progress.epochGradientNormCount += 1
            }
        }
        return agreed.stopRequested
    }

    /// Every rank skipped this step's update; rank 0 says so once.
    private func recordSkippedStep() throws(TrainingError) {
        progress.skippedSteps += 1
        consecutiveBadSteps += 1
        if communicator.isRoot {
            logger.warning("step \(progress.step): non-finite loss or gradients on some rank; update skipped (\(consecutiveBadSteps) in a row)")
        }
        if consecutiveBadSteps >= configuration.maxBadSteps {
            throw .tooManyNonFiniteSteps(count: consecutiveBadSteps, step: progress.step, newestCheckpoint: newestCheckpoint)
        }
    }
}
