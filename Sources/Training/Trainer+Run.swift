import MPI
import Randomness
import SystemIO
import Tensors
import VAE

extension Trainer {
    /// Trains until `--epochs` (or `--max-steps`) is reached, checkpointing at
    /// every epoch end, every `--checkpoint-every` steps and at the end.
    /// Returns the metrics of the last completed epoch, if one completed.
    @discardableResult
    public func run() throws(TrainingError) -> EpochMetrics? {
        let totalSteps = min(configuration.epochs * stepsPerEpoch, configuration.maxSteps ?? .max)
        if progress.step >= totalSteps {
            logger.info("nothing to train: already at step \(progress.step) of \(totalSteps)")
            return nil
        }
        logger.info("training \(model.architecture) (\(model.layout.count) parameters) on \(data.train.count) samples from \(data.path), \(communicator.size) rank(s) x batch \(sampler.localBatchSize)\(configuration.accumulate > 1 ? " x \(configuration.accumulate) accumulated" : ""), \(stepsPerEpoch) steps per epoch")
        var lastEpoch: EpochMetrics?
        var consecutiveBadSteps = 0
        while progress.step < totalSteps {
            let epoch = progress.epoch
            let order = sampler.order(epoch: epoch)
            let noise = CounterGaussian(seed: configuration.seed, stream: UInt64(epoch))
            let start = MPIEnvironment.wallTime
            let gemmAtStart = GEMMClock.seconds
            var allreduceSeconds = 0.0
            var stepsThisRun = 0
            var stopRequested = false
            repeat {
                stopRequested = try trainStep(order: order, noise: noise, allreduceSeconds: &allreduceSeconds,
                                              consecutiveBadSteps: &consecutiveBadSteps)
                stepsThisRun += 1
                reportProgress(stepsThisRun: stepsThisRun, since: start)
                if configuration.checkpointEvery > 0, progress.step % configuration.checkpointEvery == 0,
                   progress.stepInEpoch != 0, progress.step < totalSteps {
                    try saveCheckpoint()
                }
            } while progress.stepInEpoch != 0 && progress.step < totalSteps && !stopRequested
            let trainSeconds = MPIEnvironment.wallTime - start
            let gemmSeconds = GEMMClock.seconds - gemmAtStart

            let checkpoint: String?
            if progress.stepInEpoch == 0 {
                let (metrics, path) = try finishEpoch(epoch: epoch + 1, steps: stepsThisRun, start: start,
                                                      trainSeconds: trainSeconds, gemmSeconds: gemmSeconds,
                                                      allreduceSeconds: allreduceSeconds)
                lastEpoch = metrics
                checkpoint = path
            } else {
                checkpoint = try saveCheckpoint()  // --max-steps or a stop inside an epoch
            }
            if stopRequested {
                // No rank leaves before rank 0's checkpoint is on disk: mpirun
                // ends the whole job as soon as one rank exits non-zero.
                do {
                    try communicator.barrier()
                } catch {
                    throw .mpi(error)
                }
                throw .stopped(step: progress.step, checkpoint: checkpoint)
            }
            if progress.stepInEpoch != 0 { break }
        }
        return lastEpoch
    }

    /// One data-parallel step: this rank's shard forward and backward, one
    /// allreduce of gradients + loss sums + the non-finite and stop flags,
    /// then the same Adam update on every rank (or, if any rank saw NaN/Inf,
    /// the same skip). Returns whether some rank asked to stop, which every
    /// rank learns from the same reduced flag.
    private func trainStep(order: [Int], noise: CounterGaussian, allreduceSeconds: inout Double,
                           consecutiveBadSteps: inout Int) throws(TrainingError) -> Bool {
        if let deterministic {
            let outcome = try deterministicStep(deterministic, order: order, noise: noise, allreduceSeconds: &allreduceSeconds)
            progress.step += 1
            if outcome.nonFinite {
                try recordSkippedStep(&consecutiveBadSteps)
            } else {
                consecutiveBadSteps = 0
                progress.epochSums = progress.epochSums + outcome.terms
                progress.epochSamples += samplesPerStep
            }
            return outcome.stop
        }
        // --overlap: the decoder's gradients leave while the encoder's are computed.
        let overlap = configuration.overlap && !partition.isSharded && communicator.size > 1
            ? OverlappedDecoderSync(communicator: communicator, model: model) : nil
        // One optimizer step is `accumulate` consecutive sampler steps, their
        // gradients summed: the same samples as one batch of K·B.
        var terms = LossTerms()
        for micro in 0..<configuration.accumulate {
            let positions = sampler.positions(step: progress.stepInEpoch * configuration.accumulate + micro)
            let batch = model.batch(rows: positions.count)
            batch.input.gatherRows(from: data.train.pixels, rowIndices: order[positions], scale: 1 / 255)
            for (row, position) in positions.enumerated() {
                batch.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: position) }
            }
            let last = micro == configuration.accumulate - 1
            terms = terms + model.lossAndGradients(batch, objective: configuration.objective, accumulate: micro > 0,
                                                   afterLayer: last ? overlap?.layerDone : nil)
        }
        injectFaults()
        let trailer = model.layout.count
        reduction[trailer + StepTrailer.loss.rawValue] = Float(terms.loss)
        reduction[trailer + StepTrailer.reconstruction.rawValue] = Float(terms.reconstruction)
        reduction[trailer + StepTrailer.kl.rawValue] = Float(terms.kl)
        let gradientsFinite = overlap.map { $0.decoderWasFinite && model.gradients.slice(from: 0, count: model.decoderOffset).isFinite }
            ?? model.gradients.isFinite
        reduction[trailer + StepTrailer.nonFinite.rawValue] = terms.isFinite && gradientsFinite ? 0 : 1
        reduction[trailer + StepTrailer.stopRequested.rawValue] = StopSignals.pending == nil ? 0 : 1

        let before = MPIEnvironment.wallTime
        let sharded = partition.isSharded
        do {
            if let overlap {
                // The encoder's gradients, then the decoder's (already under way), then the flags.
                try communicator.allreduce(reduction.vector(offset: 0, count: model.decoderOffset))
                try overlap.finish()
                try communicator.allreduce(reduction.vector(offset: trailer, count: StepTrailer.count))
            } else {
                // Sharded: the flags and loss sums first, so every rank knows
                // whether to skip before any gradient moves.
                try communicator.allreduce(sharded ? reduction.vector(offset: trailer, count: StepTrailer.count) : reduction.all)
            }
        } catch {
            throw .mpi(error)
        }
        allreduceSeconds += MPIEnvironment.wallTime - before

        progress.step += 1
        let stopRequested = reduction[trailer + StepTrailer.stopRequested.rawValue] > 0
        guard reduction[trailer + StepTrailer.nonFinite.rawValue] == 0 else {
            try recordSkippedStep(&consecutiveBadSteps)
            return stopRequested
        }
        consecutiveBadSteps = 0
        if sharded {
            do {
                let started = MPIEnvironment.wallTime
                try communicator.reduceScatter(model.gradients, into: gradientShard, counts: partition.counts)
                allreduceSeconds += MPIEnvironment.wallTime - started
                try updateOwnPartAndShare(allreduceSeconds: &allreduceSeconds)
            } catch {
                throw .mpi(error)
            }
        } else {
            adam.update(model.parameters, gradients: model.gradients)
        }
        progress.epochSums = progress.epochSums + LossTerms(
            loss: Double(reduction[trailer + StepTrailer.loss.rawValue]),
            reconstruction: Double(reduction[trailer + StepTrailer.reconstruction.rawValue]),
            kl: Double(reduction[trailer + StepTrailer.kl.rawValue]))
        progress.epochSamples += samplesPerStep
        return stopRequested
    }

    /// Sharded sync's second half: Adam on this rank's part of the parameters
    /// (its reduced gradients are in `gradientShard`), then every rank's part
    /// to every rank.
    func updateOwnPartAndShare(allreduceSeconds: inout Double) throws(MPIError) {
        adam.update(model.parameters.slice(from: partition.range.lowerBound, count: partition.range.count),
                    gradients: gradientShard)
        let gathering = MPIEnvironment.wallTime
        try communicator.allgather(inPlace: model.parameters, counts: partition.counts)
        allreduceSeconds += MPIEnvironment.wallTime - gathering
    }

    /// Every rank skipped this step's update (some rank saw NaN/Inf).
    private func recordSkippedStep(_ consecutiveBadSteps: inout Int) throws(TrainingError) {
        progress.skippedSteps += 1
        consecutiveBadSteps += 1
        logger.warning("step \(progress.step): non-finite loss or gradients on some rank; update skipped (\(consecutiveBadSteps) in a row)")
        if consecutiveBadSteps > configuration.maxBadSteps {
            throw .tooManyNonFiniteSteps(count: consecutiveBadSteps, step: progress.step)
        }
    }

    func injectFaults() {
        for fault in faults {
            switch fault {
            case let .nan(rank, step, count) where rank == communicator.rank && (step..<(step + count)).contains(progress.step):
                model.gradients[0] = .nan
            case let .signal(rank, step, number) where rank == communicator.rank && step == progress.step:
                StopSignals.simulate(number)
            case let .crash(rank, step) where rank == communicator.rank && step == progress.step:
                fatalError("injected crash on rank \(rank) at step \(step) (VAE_DIST_TEST_FAULT)")
            default:
                break
            }
        }
    }

    private func finishEpoch(epoch: Int, steps: Int, start: Double, trainSeconds: Double, gemmSeconds: Double,
                             allreduceSeconds: Double) throws(TrainingError) -> (EpochMetrics, String?) {
        let samples = Double(max(progress.epochSamples, 1))
        let train = LossTerms(loss: progress.epochSums.loss / samples,
                              reconstruction: progress.epochSums.reconstruction / samples,
                              kl: progress.epochSums.kl / samples)
        if communicator.isRoot { progressReporter?.epochCompleted() }
        let test = try evaluate(data.test)
        let peakResident: Double
        do {
            peakResident = try communicator.allreduce(Double(ProcessMemory.peakResidentBytes), .max)
        } catch {
            throw .mpi(error)
        }
        var metrics = EpochMetrics(
            epoch: epoch, step: progress.step, worldSize: communicator.size, train: train, test: test,
            samplesPerSecond: Double(steps * samplesPerStep) / max(trainSeconds, 1e-9),
            epochSeconds: 0, trainSeconds: trainSeconds, gemmSeconds: gemmSeconds, allreduceSeconds: allreduceSeconds,
            skippedSteps: progress.skippedSteps, peakResidentMegabytes: peakResident / 1_048_576)
        progress.epochSums = LossTerms()
        progress.epochSamples = 0
        lastMetrics = metrics.checkpointSummary
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
        }
        return (metrics, try saveCheckpoint())
    }

    /// Rank 0 writes (the state is identical on every rank) and returns the
    /// path; other ranks return nil.
    @discardableResult
    func saveCheckpoint() throws(TrainingError) -> String? {
        let moments: (first: Vector, second: Vector)?
        do {
            moments = try gatherMoments()
        } catch {
            throw .mpi(error)
        }
        guard let moments else { return nil }
        let checkpoint = Checkpoint(
            architecture: model.architecture, objective: configuration.objective,
            learningRate: configuration.learningRate, globalBatchSize: configuration.globalBatchSize,
            accumulate: configuration.accumulate, deterministicShards: configuration.deterministicShards,
            seed: configuration.seed, worldSize: communicator.size, progress: progress, adamStep: adam.step,
            lastMetrics: lastMetrics, parameters: model.parameters,
            firstMoment: moments.first, secondMoment: moments.second)
        do {
            let path = try checkpoints.save(checkpoint)
            logger.debug("wrote \(path)")
            return path
        } catch {
            throw .file(error)
        }
    }

    private func reportProgress(stepsThisRun: Int, since start: Double) {
        guard communicator.isRoot, let progressReporter else { return }
        let elapsed = max(MPIEnvironment.wallTime - start, 1e-9)
        let rate = Double(stepsThisRun * samplesPerStep) / elapsed
        let done = progress.stepInEpoch == 0 ? stepsPerEpoch : progress.stepInEpoch
        progressReporter.stepCompleted(StepProgress(
            epoch: progress.epoch + (progress.stepInEpoch == 0 ? 0 : 1), epochs: configuration.epochs,
            step: done, stepsPerEpoch: stepsPerEpoch, samplesPerSecond: rate,
            runningLoss: progress.epochSums.loss / Double(max(progress.epochSamples, 1)),
            secondsLeft: Double((stepsPerEpoch - done) * samplesPerStep) / rate))
    }

    private func summaryLine(_ m: EpochMetrics) -> String {
        "epoch \(m.epoch)/\(configuration.epochs)  step \(m.step)  train loss \(format(m.train.loss, 2)) (recon \(format(m.train.reconstruction, 2)), kl \(format(m.train.kl, 2)))  test loss \(format(m.test.loss, 2)) (recon \(format(m.test.reconstruction, 2)), kl \(format(m.test.kl, 2)))  \(format(m.samplesPerSecond, 0)) samples/s  \(format(m.epochSeconds, 2)) s (gemm \(percent(m.gemmSeconds, of: m.trainSeconds)), allreduce \(percent(m.allreduceSeconds, of: m.trainSeconds)))"
    }
}

func percent(_ part: Double, of whole: Double) -> String {
    format(100 * part / max(whole, 1e-9), 0) + "%"
}

/// `value` with `digits` decimals (no Foundation formatter needed).
func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return String(value) }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale)
    var text = (value < 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let fraction = String(Int(rounded - Double(whole) * scale))
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
}
