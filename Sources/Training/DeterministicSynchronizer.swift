import MPI
import Tensors
import VAE

/// `--deterministic M`: bitwise-identical training on any number of ranks
/// that divides M (see docs/determinism.md).
///
/// Gradients come from ``MicroShardGradients``. The report travels as
/// Double slots, one group per micro-shard (loss, reconstruction, KL,
/// max |gradient|), each written by the one rank that owns that micro-shard,
/// so the sum-allreduce delivers every value exactly and the terms are added
/// in micro-shard order. Then the gradients are summed as 64-bit fixed-point
/// integers with one scale every rank derives from the same maximum: integer
/// sums are associative, so neither the order within a rank nor MPI's
/// reduction order can change a bit. The sum is allreduced, or
/// reduce-scattered when the optimizer is sharded.
final class DeterministicSynchronizer: GradientSynchronizer {
    let name: String
    let partitionedAdam: PartitionedAdam
    let clock = CollectiveClock()
    var optimizer: any DistributedOptimizer { partitionedAdam }
    let parameters: Vector
    private let communicator: Communicator
    private let producer: MicroShardGradients
    private let shards: Int
    private let fixedPoint: Int64Buffer
    private let fixedPointPart: Int64Buffer
    /// The summed gradients of this rank's optimizer part, back in Float.
    private let summedPart: Vector
    /// 4 slots per micro-shard, then the non-finite and stop flags.
    private var slots: [Double]
    /// The fixed-point scale of the agreed step.
    private var scale: Double = 1

    init(shards: Int, architecture: Architecture, sampleCount: Int, globalBatchSize: Int, accumulate: Int, seed: UInt64,
         learningRate: Float, sharded: Bool, communicator: Communicator) {
        let count = ParameterLayout(architecture).count
        parameters = FloatBuffer(count: count).all
        producer = MicroShardGradients(shards: shards, architecture: architecture, parameters: parameters,
                                       sampleCount: sampleCount, globalBatchSize: globalBatchSize, accumulate: accumulate,
                                       seed: seed, rank: communicator.rank, worldSize: communicator.size)
        partitionedAdam = PartitionedAdam(learningRate: learningRate, parameterCount: count, sharded: sharded,
                                    communicator: communicator)
        fixedPoint = Int64Buffer(count: count)
        fixedPointPart = Int64Buffer(count: partitionedAdam.range.count)
        summedPart = FloatBuffer(count: partitionedAdam.range.count).all
        slots = [Double](repeating: 0, count: 4 * shards + 2)
        name = "deterministic(\(shards))+\(partitionedAdam.isSharded ? "sharded" : "allreduce")"
        self.shards = shards
        self.communicator = communicator
    }

    private var nonFiniteSlot: Int { 4 * shards }
    private var stopSlot: Int { 4 * shards + 1 }

    func computeGradients(stepInEpoch: Int, objective: Objective, load: BatchLoader) -> StepReport {
        for index in slots.indices { slots[index] = 0 }
        let perShard = producer.compute(stepInEpoch: stepInEpoch, objective: objective, load: load)
        var nonFinite = false
        for (index, (shard, terms)) in zip(producer.local, perShard).enumerated() {
            let gradients = producer.replicas[index].gradients
            nonFinite = nonFinite || !terms.isFinite || !gradients.isFinite
            slots[4 * shard] = terms.loss
            slots[4 * shard + 1] = terms.reconstruction
            slots[4 * shard + 2] = terms.kl
            slots[4 * shard + 3] = Double(gradients.maximumMagnitude)
        }
        return StepReport(terms: perShard.reduce(LossTerms(), +), nonFinite: nonFinite)
    }

    func agree(_ report: StepReport) throws(MPIError) -> StepReport {
        slots[nonFiniteSlot] = report.nonFinite ? 1 : 0
        slots[stopSlot] = report.stopRequested ? 1 : 0
        try clock.measure { () throws(MPIError) in try communicator.allreduce(&slots) }
        var terms = LossTerms()
        var largest: Double = 0
        for shard in 0..<shards {
            terms = terms + LossTerms(loss: slots[4 * shard], reconstruction: slots[4 * shard + 1], kl: slots[4 * shard + 2])
            largest = max(largest, slots[4 * shard + 3])
        }
        scale = fixedPointScale(maximumMagnitude: Float(largest), terms: shards)
        return StepReport(terms: terms, nonFinite: slots[nonFiniteSlot] > 0, stopRequested: slots[stopSlot] > 0)
    }

    func applyUpdate(learningRate: Double, clipNorm: Float?, measuringNorm: Bool) throws(MPIError) -> Double? {
        Vector.sumAsFixedPoint(producer.replicas.map(\.gradients), scale: scale, into: fixedPoint)
        if partitionedAdam.isSharded {
            try clock.measure { () throws(MPIError) in
                try communicator.reduceScatter(fixedPoint, into: fixedPointPart, counts: partitionedAdam.counts)
            }
            summedPart.loadFixedPoint(from: fixedPointPart, offset: 0, scale: scale)
        } else {
            if communicator.size > 1 {
                try clock.measure { () throws(MPIError) in try communicator.allreduce(fixedPoint) }
            }
            summedPart.loadFixedPoint(from: fixedPoint, offset: 0, scale: scale)
        }
        // Bitwise independent of the rank count: without a sharded optimizer
        // every rank holds the whole, identical sum and adds its squares in one
        // fixed order; sharded, the parts' sums travel in the rank order of a
        // fixed-size allgather and are added in that order (the parts
        // themselves depend on N, so only the unsharded norm is exact; with
        // --clip-grad-norm the optimizer is therefore not sharded).
        var norm: Double?
        if clipNorm != nil || measuringNorm {
            if partitionedAdam.isSharded {
                let parts = try clock.measure { () throws(MPIError) -> [Double] in try communicator.allgather([summedPart.sumOfSquares]) }
                norm = parts.reduce(0, +).squareRoot()
            } else {
                norm = summedPart.sumOfSquares.squareRoot()
            }
        }
        if let norm, let factor = clippingFactor(norm: norm, limit: clipNorm) { summedPart.scale(by: factor) }
        try partitionedAdam.update(parameters, gradients: summedPart, learningRate: learningRate, clock: clock)
        return norm
    }
}
