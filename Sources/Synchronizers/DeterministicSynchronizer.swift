import Dataset
import MPI
import Tensors
import VAE

/// `--deterministic M`: bitwise-identical training on any number of ranks
/// that divides M (see docs/determinism.md).
///
/// Gradients come from ``MicroShardGradients``, one buffer per micro-shard.
/// The loss terms travel as Double slots, one group per micro-shard, each
/// written by the one rank that owns it, so the sum-allreduce delivers every
/// value exactly and the terms are added in micro-shard order. The
/// gradients are summed in an order that no rank count can change:
/// - M a power of two: a balanced pairwise float tree over micro-shard index.
///   A rank sums its M/N micro-shards (an aligned subtree), sends part j of
///   that to rank j (`MPI_Alltoallv`), and adds the N subtree sums it gets
///   for its part as the tree's top levels; whether the sum is finite is
///   agreed with the loss terms, from the sum itself.
/// - Otherwise: 64-bit fixed point with one scale all ranks derive from the
///   same maximum; integer sums are associative, so neither the order within
///   a rank nor MPI's reduction order can change a bit.
package final class DeterministicSynchronizer: GradientSynchronizer {
    /// How the micro-shards' gradients are summed.
    package enum Summation: String {
        case pairwiseTree = "pairwise tree"
        case fixedPoint = "fixed point"
    }

    package let name: String
    package let summation: Summation
    let partitionedAdam: PartitionedAdam
    package let clock = CollectiveClock()
    package var optimizer: any DistributedOptimizer { partitionedAdam }
    package let parameters: Vector
    private let communicator: Communicator
    private let producer: MicroShardGradients
    private let shards: Int
    /// The ranks' parts of the gradient sum (even, whether or not Adam is sharded).
    private let sumCounts: [Int]
    /// The summed gradients Adam reads: this rank's part when sharded, the whole otherwise.
    private let summed: Vector
    /// Tree: this rank's subtree sum, and every rank's subtree sum of this rank's part.
    private let subtreeSum: Vector
    private let subtreeSums: Vector
    /// Fixed point: the sum as integers, and this rank's part of it.
    private let fixedPoint: Int64Buffer
    private let fixedPointPart: Int64Buffer
    /// 4 slots per micro-shard (loss, reconstruction, KL, max |g| for fixed
    /// point), then the non-finite and stop flags.
    private var slots: [Double]
    /// The fixed-point scale of the agreed step.
    private var scale: Double = 1
    /// Sharded: room for the whole sum on the steps that measure its norm.
    private lazy var wholeSumForNorm = FloatBuffer(count: parameters.count).all

    package init(shards: Int, architecture: Architecture, reconstruction: Reconstruction, sampleCount: Int, globalBatchSize: Int,
         accumulate: Int, seed: UInt64, learningRate: Float, sharded: Bool, forcesRowwiseGEMMSplit: Bool = false,
         communicator: Communicator) {
        let count = ParameterLayout(architecture).count
        let size = communicator.size
        parameters = FloatBuffer(count: count).all
        summation = shards & (shards - 1) == 0 ? .pairwiseTree : .fixedPoint
        producer = MicroShardGradients(shards: shards, architecture: architecture, reconstruction: reconstruction,
                                       parameters: parameters, sampleCount: sampleCount, globalBatchSize: globalBatchSize,
                                       accumulate: accumulate, summingInTree: summation == .pairwiseTree,
                                       forcesRowwiseGEMMSplit: forcesRowwiseGEMMSplit, seed: seed, rank: communicator.rank,
                                       worldSize: size)
        partitionedAdam = PartitionedAdam(learningRate: learningRate, parameterCount: count, sharded: sharded,
                                          communicator: communicator)
        sumCounts = (0..<size).map { evenShard(count: count, parts: size, index: $0).count }
        let usesTree = summation == .pairwiseTree
        let usesSubtrees = usesTree && size > 1
        // The model's own tree sum is this rank's subtree (on one rank, the
        // whole sum): used in place, not copied.
        if case let .pairwiseSum(_, sum) = producer.gradients {
            summed = size == 1 ? sum : FloatBuffer(count: partitionedAdam.range.count).all
            subtreeSum = usesSubtrees ? sum : FloatBuffer(count: 0).all
        } else {
            summed = FloatBuffer(count: partitionedAdam.range.count).all
            subtreeSum = FloatBuffer(count: usesSubtrees ? count : 0).all
        }
        subtreeSums = FloatBuffer(count: usesSubtrees ? sumCounts[communicator.rank] * size : 0).all
        fixedPoint = Int64Buffer(count: usesTree ? 0 : count)
        fixedPointPart = Int64Buffer(count: usesTree || !partitionedAdam.isSharded ? 0 : partitionedAdam.range.count)
        slots = [Double](repeating: 0, count: 4 * shards + 2)
        name = "deterministic(\(shards))+\(partitionedAdam.isSharded ? "sharded" : "allreduce")"
        self.shards = shards
        self.communicator = communicator
    }

    /// Whether the row-wise GEMMs run per micro-shard (for the start-up log).
    package var splitsRowwiseGEMMs: Bool { producer.splitsRowwiseGEMMs }

    private var nonFiniteSlot: Int { 4 * shards }
    private var stopSlot: Int { 4 * shards + 1 }

    package func computeGradients(stepInEpoch: Int, objective: Objective, load: BatchLoader) -> StepReport {
        for index in slots.indices { slots[index] = 0 }
        let perShard = producer.compute(stepInEpoch: stepInEpoch, objective: objective, load: load)
        var nonFinite = false
        for (index, (shard, terms)) in zip(producer.local, perShard).enumerated() {
            nonFinite = nonFinite || !terms.isFinite
            slots[4 * shard] = terms.loss
            slots[4 * shard + 1] = terms.reconstruction
            slots[4 * shard + 2] = terms.kl
            if case let .separate(buffers) = producer.gradients, summation == .fixedPoint {
                let gradients = buffers[index]
                nonFinite = nonFinite || !gradients.isFinite
                slots[4 * shard + 3] = Double(gradients.maximumMagnitude)
            }
        }
        if summation == .pairwiseTree, case let .separate(buffers) = producer.gradients {
            (communicator.size > 1 ? subtreeSum : summed).setPairwiseSum(of: buffers)
        }
        return StepReport(terms: perShard.reduce(LossTerms(), +), nonFinite: nonFinite)
    }

    package func agree(_ report: StepReport) throws(MPIError) -> StepReport {
        var nonFinite = report.nonFinite
        if summation == .pairwiseTree {
            // The sum itself says whether any term was NaN or ±∞ (they
            // propagate to the root) or the sum overflowed: the same answer at
            // every rank count, which per-part checks would not give.
            let part = try completeTreeSum()
            nonFinite = nonFinite || !part.isFinite
        }
        slots[nonFiniteSlot] = nonFinite ? 1 : 0
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

    /// The tree's top levels: every rank's subtree sum of this rank's part,
    /// added in rank order. Returns this rank's part of the sum.
    private func completeTreeSum() throws(MPIError) -> Vector {
        let rank = communicator.rank
        let start = sumCounts[..<rank].reduce(0, +)
        let part = partitionedAdam.isSharded ? summed : summed.slice(from: start, count: sumCounts[rank])
        guard communicator.size > 1 else { return summed }
        try clock.measure { () throws(MPIError) in try communicator.alltoall(subtreeSum, into: subtreeSums, counts: sumCounts) }
        part.setPairwiseSum(of: (0..<communicator.size).map {
            subtreeSums.slice(from: $0 * sumCounts[rank], count: sumCounts[rank])
        })
        return part
    }

    package func applyUpdate(learningRate: Double, clipNorm: Float?, measuringNorm: Bool) throws(MPIError) -> Double? {
        switch summation {
        case .pairwiseTree:
            if !partitionedAdam.isSharded && communicator.size > 1 {
                try clock.measure { () throws(MPIError) in try communicator.allgather(inPlace: summed, counts: sumCounts) }
            }
        case .fixedPoint:
            try sumAsFixedPoint()
        }
        // Bitwise independent of the rank count: every rank adds the squares
        // of the whole, identical sum in one fixed order. Sharded, the parts
        // are gathered into a whole first (partial sums of squares would
        // depend on where N cuts the vector); that costs a full allgather,
        // but only on the steps that measure the norm, since --clip-grad-norm
        // runs this mode unsharded.
        var norm: Double?
        if clipNorm != nil || measuringNorm {
            if partitionedAdam.isSharded {
                let whole = wholeSumForNorm
                whole.slice(from: partitionedAdam.range.lowerBound, count: summed.count).copy(from: summed)
                try clock.measure { () throws(MPIError) in
                    try communicator.allgather(inPlace: whole, counts: partitionedAdam.counts)
                }
                norm = whole.sumOfSquares.squareRoot()
            } else {
                norm = summed.sumOfSquares.squareRoot()
            }
        }
        if let norm, let factor = clippingFactor(norm: norm, limit: clipNorm) { summed.scale(by: factor) }
        try partitionedAdam.update(parameters, gradients: summed, learningRate: learningRate, clock: clock)
        return norm
    }

    private func sumAsFixedPoint() throws(MPIError) {
        Vector.sumAsFixedPoint(producer.gradients.buffers, scale: scale, into: fixedPoint)
        if partitionedAdam.isSharded {
            try clock.measure { () throws(MPIError) in
                try communicator.reduceScatter(fixedPoint, into: fixedPointPart, counts: partitionedAdam.counts)
            }
            summed.loadFixedPoint(from: fixedPointPart, offset: 0, scale: scale)
        } else {
            if communicator.size > 1 {
                try clock.measure { () throws(MPIError) in try communicator.allreduce(fixedPoint) }
            }
            summed.loadFixedPoint(from: fixedPoint, offset: 0, scale: scale)
        }
    }
}
