import Dataset
import MPI
import Randomness
import SystemIO
import RealModule
import Tensors
import VAE
import Watchdog
import TrainingCore
import TrainingInput

/// Held-out metrics of a model, computed on every rank's even share of a set
/// and reduced, so each sample is counted exactly once. All noise is
/// addressed by (seed, stream, image index), so any number of ranks gives the
/// same numbers up to float summation order.
package struct Evaluator {
    let model: VariationalAutoencoder
    let objective: Objective
    let seed: UInt64
    let communicator: Communicator
    /// Stop early when a stop signal arrives (`vae-dist eval`), agreed by
    /// every rank; training's per-epoch test loss runs to the end instead,
    /// since the step's own agreement handles its stops.
    var interruptible = false
    /// Rank 0's progress, in rounds (each rank's next chunk or image).
    var progress: EvaluationProgress?
    /// The trainer's watchdog and step, when the reductions are waits it watches.
    var watched: (watchdog: StallWatchdog, step: Int)?

    /// Rows per batch of every evaluation model (the trainer's, `eval`'s,
    /// `encode`'s): its chunking, and so its float sums, depend on neither
    /// the training batch nor the ranks.
    package static let batchCapacity = 256

    package init(model: VariationalAutoencoder, objective: Objective, seed: UInt64, communicator: Communicator,
                 interruptible: Bool = false, progress: EvaluationProgress? = nil,
                 watched: (watchdog: StallWatchdog, step: Int)? = nil) {
        self.model = model
        self.objective = objective
        self.seed = seed
        self.communicator = communicator
        self.interruptible = interruptible
        self.progress = progress
        self.watched = watched
    }

    enum NoiseStream {
        /// z for the per-epoch test loss: one draw per image.
        static let evaluation: UInt64 = 0xE7A1_0000_0000_0000
        /// ε_k for the importance-weighted bound: image i uses positions i·K ..< (i+1)·K.
        static let importance: UInt64 = 0x1A7E_0000_0000_0000
        /// z ~ N(0, I) for sample grids.
        static let prior: UInt64 = 0x5A3B_0000_0000_0000
    }

    /// Loss, reconstruction and KL per sample over `set`.
    ///
    /// The set is cut into fixed chunks of the model's batch capacity, dealt
    /// to the ranks in turn; each chunk's sums go to their own slots and are
    /// added in chunk order, so the result does not depend on the number of
    /// ranks (bitwise, when the capacity is the same: `--deterministic`).
    package func lossTerms(on set: BatchSource) throws(TrainingError) -> LossTerms {
        let noise = CounterGaussian(seed: seed, stream: NoiseStream.evaluation)
        let chunk = model.batchCapacity
        let chunks = (set.rows.count + chunk - 1) / chunk
        var slots = [Double](repeating: 0, count: 3 * chunks)
        // Round r: rank k takes chunk r·N + k. Every rank runs every round,
        // so the stop checks between rounds line up across ranks.
        let rounds = (chunks + communicator.size - 1) / communicator.size
        for round in 0..<rounds {
            try checkForStop(phase: "ELBO", done: round, of: rounds)
            let index = round * communicator.size + communicator.rank
            guard index < chunks else { continue }
            let start = index * chunk
            let rows = min(chunk, set.rows.count - start)
            let batch = model.batch(rows: rows)
            batch.load(start..<(start + rows), from: set, noise: noise, noisePositions: start..<(start + rows))
            let terms = model.loss(batch, objective: objective)
            slots[3 * index] = terms.loss
            slots[3 * index + 1] = terms.reconstruction
            slots[3 * index + 2] = terms.kl
        }
        progress?.phaseFinished("ELBO")
        let totals = try sum(slots)
        var sums = LossTerms()
        for index in 0..<chunks {
            sums = sums + LossTerms(loss: totals[3 * index], reconstruction: totals[3 * index + 1], kl: totals[3 * index + 2])
        }
        let count = Double(set.rows.count)
        return LossTerms(loss: sums.loss / count, reconstruction: sums.reconstruction / count, kl: sums.kl / count)
    }

    /// −log p(x) bounded from above by the importance-weighted bound with
    /// `samples` draws per image, averaged over `set` (nats per sample):
    /// −(log Σ_k w_k − log K), with a running log-sum-exp so no weight
    /// overflows and memory does not grow with K.
    func negativeImportanceBound(on set: BatchSource, samples: Int) throws(TrainingError) -> Double {
        precondition(samples > 0, "at least one importance sample")
        guard let likelihood = objective.reconstruction.likelihood else {
            preconditionFailure("importance weights of --recon \(objective.reconstruction.rawValue), which has no likelihood: callers refuse it")
        }
        let shard = evenShard(count: set.rows.count, parts: communicator.size, index: communicator.rank)
        let noise = CounterGaussian(seed: seed, stream: NoiseStream.importance)
        var bounds = [Double](repeating: 0, count: set.rows.count)
        // Round r: each rank's r-th image (shards differ by at most one), in
        // batches of the model's capacity. A rank without an image in the
        // last round still counts its batches, so the stop checks, agreed
        // every 16 batches (4096 decoded rows at capacity 256), line up on
        // every rank whatever K is.
        let rounds = (set.rows.count + communicator.size - 1) / communicator.size
        let batchesPerImage = (samples + model.batchCapacity - 1) / model.batchCapacity
        let phase = "IWAE bound, K=\(samples)"
        var batchesDone = 0
        for round in 0..<rounds {
            let image = shard.lowerBound + round
            let hasImage = image < shard.upperBound
            var maximum = -Double.infinity
            var scaledSum: Double = 0
            for batchIndex in 0..<batchesPerImage {
                if batchesDone % 16 == 0 { try checkForStop(phase: phase, done: round, of: rounds) }
                batchesDone += 1
                guard hasImage else { continue }
                let drawn = batchIndex * model.batchCapacity
                let rows = min(model.batchCapacity, samples - drawn)
                let batch = model.batch(rows: rows)
                let first = image * samples + drawn
                batch.load(repeatElement(image, count: rows), from: set, noise: noise, noisePositions: first..<(first + rows))
                for weight in model.logImportanceWeights(batch, likelihood: likelihood) {
                    if weight > maximum {
                        scaledSum = scaledSum * Double.exp(maximum - weight) + 1
                        maximum = weight
                    } else {
                        scaledSum += Double.exp(weight - maximum)
                    }
                }
            }
            if hasImage { bounds[image] = -(maximum + Double.log(scaledSum) - Double.log(Double(samples))) }
        }
        progress?.phaseFinished(phase)
        // One slot per image, added in image order: the same on any number of ranks.
        return try sum(bounds).reduce(0, +) / Double(set.rows.count)
    }

    /// Reports progress; when interruptible, agrees with every rank on
    /// whether a stop signal arrived anywhere (one small allreduce) and
    /// throws ``TrainingError/interrupted(signal:)`` on all of them at once.
    private func checkForStop(phase: String, done: Int, of total: Int) throws(TrainingError) {
        if communicator.isRoot { progress?.advanced(phase: phase, done: done, total: total) }
        guard interruptible else { return }
        let signal: Int32
        do {
            signal = try communicator.allreduce(StopSignals.pending ?? 0, .max)
        } catch {
            throw .mpi(error)
        }
        if signal != 0 { throw .interrupted(signal: signal) }
    }

    private func sum(_ values: [Double]) throws(TrainingError) -> [Double] {
        var totals = values
        if let watched { watched.watchdog.enter(.evaluation, step: watched.step) }
        defer { watched?.watchdog.leave() }
        do {
            try communicator.allreduce(&totals)
        } catch {
            throw .mpi(error)
        }
        return totals
    }
}
