import Dataset
import MPI
import Randomness
import RealModule
import Tensors
import VAE

/// Held-out metrics of a model, computed on every rank's even share of a set
/// and reduced, so each sample is counted exactly once. All noise is
/// addressed by (seed, stream, image index), so any number of ranks gives the
/// same numbers up to float summation order.
struct Evaluator {
    let model: VariationalAutoencoder
    let objective: Objective
    let seed: UInt64
    let communicator: Communicator
    /// The trainer's watchdog and step, when the reductions are waits it watches.
    var watched: (watchdog: StallWatchdog, step: Int)?

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
    func lossTerms(on set: BatchSource) throws(TrainingError) -> LossTerms {
        let noise = CounterGaussian(seed: seed, stream: NoiseStream.evaluation)
        let chunk = model.batchCapacity
        let chunks = (set.rows.count + chunk - 1) / chunk
        var slots = [Double](repeating: 0, count: 3 * chunks)
        for index in stride(from: communicator.rank, to: chunks, by: communicator.size) {
            let start = index * chunk
            let rows = min(chunk, set.rows.count - start)
            let batch = model.batch(rows: rows)
            batch.load(start..<(start + rows), from: set, noise: noise, noisePositions: start..<(start + rows))
            let terms = model.loss(batch, objective: objective)
            slots[3 * index] = terms.loss
            slots[3 * index + 1] = terms.reconstruction
            slots[3 * index + 2] = terms.kl
        }
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
        for image in shard {
            var maximum = -Double.infinity
            var scaledSum: Double = 0
            var drawn = 0
            while drawn < samples {
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
                drawn += rows
            }
            bounds[image] = -(maximum + Double.log(scaledSum) - Double.log(Double(samples)))
        }
        // One slot per image, added in image order: the same on any number of ranks.
        return try sum(bounds).reduce(0, +) / Double(set.rows.count)
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
