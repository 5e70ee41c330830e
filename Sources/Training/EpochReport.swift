import MPI
import SystemIO
import VAE
import RunDirectory
import Synchronizers
import TrainingCore

extension Trainer {
    /// Ends an epoch: its train figures, the test set's, pictures, and one
    /// line of `metrics.jsonl` and the log (rank 0).
    func finishEpoch(epoch: Int, steps: Int, timing: EpochTiming) throws(TrainingError) -> EpochMetrics {
        let start = MPIEnvironment.wallTime - timing.trainSeconds
        // Every step skipped: there is no train loss to show (NaN, null in
        // metrics.jsonl), not a loss of 0.
        let samples = progress.epochSamples > 0 ? Double(progress.epochSamples) : .nan
        let train = LossTerms(loss: progress.epochSums.loss / samples,
                              reconstruction: progress.epochSums.reconstruction / samples,
                              kl: progress.epochSums.kl / samples)
        if progress.epochSamples == 0, communicator.isRoot {
            logger.warning("epoch \(epoch): every one of its \(stepsPerEpoch) steps had non-finite loss or gradients and was skipped; the model did not change in this epoch (a smaller --lr may help)")
        }
        if communicator.isRoot { progressReporter?.epochCompleted() }
        let test = try evaluateTestSet()
        let peakResident: Double
        peakResident = try collective(at: .epochEnd, step: progress.step) { () throws(MPIError) in
            try communicator.allreduce(Double(ProcessMemory.peakResidentBytes), .max)
        }
        var metrics = EpochMetrics(
            epoch: epoch, step: progress.step, worldSize: communicator.size, gradientSync: sync.name,
            train: train, test: test,
            samplesPerSecond: Double(steps * samplesPerStep) / max(timing.trainSeconds, 1e-9),
            epochSeconds: 0, trainSeconds: timing.trainSeconds, gemmSeconds: timing.gemmSeconds,
            allreduceSeconds: timing.collectiveSeconds,
            skippedSteps: progress.skippedSteps, peakResidentMegabytes: peakResident / 1_048_576)
        metrics.gradientNorm = progress.epochGradientNormSum / Double(max(progress.epochGradientNormCount, 1))
        metrics.learningRate = lastStep.learningRate
        metrics.beta = Double(lastStep.beta)
        progress.epochSums = LossTerms()
        progress.epochSamples = 0
        progress.epochGradientNormSum = 0
        progress.epochGradientNormCount = 0
        lastMetrics = metrics.checkpointSummary
        let improved = try trackImprovement(test)
        if communicator.isRoot && configuration.imagesEvery > 0 && epoch % configuration.imagesEvery == 0 {
            try writeImages()
        }
        metrics.epochSeconds = MPIEnvironment.wallTime - start
        if communicator.isRoot {
            do {
                try metricsLog.append(metrics)
            } catch {
                throw .file(error)
            }
            logger.info("\(summaryLine(metrics))")
            try events?.logEpoch(metrics)
            try events?.flush()
            let overlapped = sync.overlappedSteps
            if overlapped > 0 {
                logger.debug("overlap: the decoder's allreduce ran during the encoder's backward in \(overlapped) step(s) so far")
            }
        }
        if improved { try saveBest() }
        return metrics
    }

    /// `--patience`: whether the held-out unweighted loss (reconstruction +
    /// KL, the negative ELBO for bce and gaussian) improved on the best so
    /// far; after `--patience` epochs without improvement the run is marked
    /// stopped. A β warm-up changes only the weighted loss, so it cannot fake
    /// an improvement. Every rank computes the same (reduced) figures.
    private func trackImprovement(_ test: LossTerms?) throws(TrainingError) -> Bool {
        guard let patience = configuration.patience, let test else { return false }
        let unweighted = test.reconstruction + test.kl
        // A NaN or infinite held-out loss is never the best (and never
        // recorded as it): it counts as an epoch without improvement.
        if unweighted.isFinite, progress.bestTestLoss.map({ unweighted < $0 }) ?? true {
            progress.bestTestLoss = unweighted
            progress.epochsWithoutImprovement = 0
            return true
        }
        progress.epochsWithoutImprovement += 1
        if !unweighted.isFinite, communicator.isRoot {
            logger.warning("epoch \(progress.epoch): the held-out loss is \(format(unweighted, 3)) (not a finite number); not an improvement (--patience: \(progress.epochsWithoutImprovement) of \(patience) epoch(s) without one)")
        }
        if progress.epochsWithoutImprovement >= patience {
            progress.stoppedEarly = true
            if communicator.isRoot {
                if let best = progress.bestTestLoss {
                    logger.notice("early stop after epoch \(progress.epoch): the held-out loss has not improved on \(format(best, 3)) for \(patience) epoch(s) (--patience); best.safetensors holds the best model")
                } else {
                    logger.notice("early stop after epoch \(progress.epoch): the held-out loss has not been a finite number in \(patience) epoch(s) (--patience); no best.safetensors was written")
                }
            }
        }
        return false
    }

    /// Rank 0's live progress after each step.
    func reportProgress(stepsThisRun: Int, since start: Double) {
        guard communicator.isRoot, let progressReporter else { return }
        let elapsed = max(MPIEnvironment.wallTime - start, 1e-9)
        let rate = Double(stepsThisRun * samplesPerStep) / elapsed
        let done = progress.stepInEpoch == 0 ? stepsPerEpoch : progress.stepInEpoch
        progressReporter.stepCompleted(StepProgress(
            epoch: progress.epoch + (progress.stepInEpoch == 0 ? 0 : 1), epochs: configuration.epochs,
            step: done, stepsPerEpoch: stepsPerEpoch, samplesPerSecond: rate,
            runningLoss: progress.epochSamples > 0 ? progress.epochSums.loss / Double(progress.epochSamples) : nil,
            secondsLeft: Double((stepsPerEpoch - done) * samplesPerStep) / rate))
    }

    private func summaryLine(_ m: EpochMetrics) -> String {
        let train = m.train.loss.isNaN && m.train.reconstruction.isNaN && m.train.kl.isNaN
            ? "train loss - (every step skipped)"
            : "train loss \(format(m.train.loss, 2)) (recon \(format(m.train.reconstruction, 2)), kl \(format(m.train.kl, 2)))"
        return "epoch \(m.epoch)/\(configuration.epochs)  step \(m.step)  \(train)  \(m.test.map { "test loss \(format($0.loss, 2)) (recon \(format($0.reconstruction, 2)), kl \(format($0.kl, 2)))" } ?? "no test set")  \(format(m.samplesPerSecond, 0)) samples/s  \(format(m.epochSeconds, 2)) s (gemm \(percent(m.gemmSeconds, of: m.trainSeconds)), allreduce \(percent(m.allreduceSeconds, of: m.trainSeconds)))"
    }
}
