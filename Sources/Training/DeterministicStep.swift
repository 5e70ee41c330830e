import Dataset
import MPI
import Randomness
import SystemIO
import Tensors
import VAE

/// `--deterministic M`: bitwise-reproducible training on any number of ranks
/// that divides M (see docs/determinism.md).
///
/// Every global batch is cut into M micro-shards whose samples depend only
/// on (seed, epoch, step). Each rank computes its M/N micro-shards one by one,
/// with the same GEMM shapes at every N, so each micro-shard's gradient is the
/// same bits wherever it is computed. The gradients are then summed as 64-bit
/// fixed-point integers with one scale agreed by all ranks: integer sums are
/// associative, so neither the order within a rank nor MPI's reduction order
/// can change a bit. Loss sums travel in per-micro-shard slots and are added
/// in micro-shard order.
final class DeterministicStep {
    let shards: Int
    /// The micro-shards this rank computes.
    let local: Range<Int>
    let samplers: [DistributedSampler]
    /// One model per local micro-shard: shared parameters, own gradients.
    let replicas: [VariationalAutoencoder]
    let fixedPoint: Int64Buffer
    let fixedPointPart: Int64Buffer
    /// Per micro-shard: loss, reconstruction, KL, max |gradient|; then the
    /// non-finite and stop flags. Each slot is written by one rank only, so
    /// the sum-allreduce delivers every value exactly.
    var summary: [Double]

    init(shards: Int, architecture: Architecture, parameters: Vector, partition: OptimizerPartition,
         sampleCount: Int, globalBatchSize: Int, seed: UInt64, rank: Int, worldSize: Int) {
        self.shards = shards
        let perRank = shards / worldSize
        local = (rank * perRank)..<((rank + 1) * perRank)
        samplers = local.map {
            DistributedSampler(sampleCount: sampleCount, globalBatchSize: globalBatchSize, rank: $0, worldSize: shards, seed: seed)
        }
        let count = parameters.count
        let gradients = FloatBuffer(count: count * perRank)
        replicas = (0..<perRank).map { index in
            VariationalAutoencoder(architecture: architecture, parameters: parameters,
                                   gradients: gradients.vector(offset: index * count, count: count),
                                   batchCapacity: globalBatchSize / shards)
        }
        fixedPoint = Int64Buffer(count: count)
        fixedPointPart = Int64Buffer(count: partition.range.count)
        summary = [Double](repeating: 0, count: 4 * shards + 2)
    }

    var nonFiniteSlot: Int { 4 * shards }
    var stopSlot: Int { 4 * shards + 1 }
}

extension Trainer {
    /// The deterministic counterpart of the step in `trainStep`: same
    /// decisions (skip, stop), exact sums.
    func deterministicStep(_ step: DeterministicStep, order: [Int], noise: CounterGaussian,
                           allreduceSeconds: inout Double) throws(TrainingError) -> (terms: LossTerms, nonFinite: Bool, stop: Bool) {
        for index in step.summary.indices { step.summary[index] = 0 }
        var nonFinite = false
        for (index, shard) in step.local.enumerated() {
            let replica = step.replicas[index]
            let positions = step.samplers[index].positions(step: progress.stepInEpoch)
            let batch = replica.batch(rows: positions.count)
            batch.input.gatherRows(from: data.train.pixels, rowIndices: order[positions], scale: 1 / 255)
            for (row, position) in positions.enumerated() {
                batch.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: position) }
            }
            let terms = replica.lossAndGradients(batch, objective: configuration.objective)
            if index == 0 { injectFaults() }
            nonFinite = nonFinite || !terms.isFinite || !replica.gradients.isFinite
            step.summary[4 * shard] = terms.loss
            step.summary[4 * shard + 1] = terms.reconstruction
            step.summary[4 * shard + 2] = terms.kl
            step.summary[4 * shard + 3] = Double(replica.gradients.maximumMagnitude)
        }
        step.summary[step.nonFiniteSlot] = nonFinite ? 1 : 0
        step.summary[step.stopSlot] = StopSignals.pending == nil ? 0 : 1

        let started = MPIEnvironment.wallTime
        do {
            try communicator.allreduce(&step.summary)
        } catch {
            throw .mpi(error)
        }
        var terms = LossTerms()
        var largest: Double = 0
        for shard in 0..<step.shards {
            terms = terms + LossTerms(loss: step.summary[4 * shard], reconstruction: step.summary[4 * shard + 1],
                                      kl: step.summary[4 * shard + 2])
            largest = max(largest, step.summary[4 * shard + 3])
        }
        let stop = step.summary[step.stopSlot] > 0
        guard step.summary[step.nonFiniteSlot] == 0 else {
            allreduceSeconds += MPIEnvironment.wallTime - started
            return (terms, true, stop)
        }

        let scale = fixedPointScale(maximumMagnitude: Float(largest), terms: step.shards)
        Vector.sumAsFixedPoint(step.replicas.map(\.gradients), scale: scale, into: step.fixedPoint)
        do {
            if partition.isSharded {
                try communicator.reduceScatter(step.fixedPoint, into: step.fixedPointPart, counts: partition.counts)
                allreduceSeconds += MPIEnvironment.wallTime - started
                gradientShard.loadFixedPoint(from: step.fixedPointPart, offset: 0, scale: scale)
                try updateOwnPartAndShare(allreduceSeconds: &allreduceSeconds)
            } else {
                if communicator.size > 1 { try communicator.allreduce(step.fixedPoint) }
                allreduceSeconds += MPIEnvironment.wallTime - started
                gradientShard.loadFixedPoint(from: step.fixedPoint, offset: 0, scale: scale)
                adam.update(model.parameters, gradients: gradientShard)
            }
        } catch {
            throw .mpi(error)
        }
        return (terms, false, stop)
    }
}
