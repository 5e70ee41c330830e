import Dataset
import MPI
import Tensors
import VAE

/// `--gradient-sync sharded` (ZeRO-1): the step's report travels first, in a
/// tiny allreduce, so every rank knows whether to skip before any gradient
/// moves; then the gradients are reduce-scattered, each rank updates its
/// 1/N of the parameters, and the parameters are allgathered.
package final class ShardedSynchronizer: GradientSynchronizer {
    package let name = "sharded"
    let partitionedAdam: PartitionedAdam
    package let clock = CollectiveClock()
    package var optimizer: any DistributedOptimizer { partitionedAdam }
    private let communicator: Communicator
    private let producer: BatchGradients
    private let gradients: Vector
    /// The summed gradients of this rank's part.
    private let summedPart: Vector
    private let slots: Vector

    package init(architecture: Architecture, sampler: DistributedSampler, accumulate: Int, learningRate: Float,
         communicator: Communicator) {
        let count = ParameterLayout(architecture).count
        gradients = FloatBuffer(count: count).all
        producer = BatchGradients(architecture: architecture, parameters: FloatBuffer(count: count).all,
                                  gradients: gradients, sampler: sampler, accumulate: accumulate)
        partitionedAdam = PartitionedAdam(learningRate: learningRate, parameterCount: count, sharded: true,
                                    communicator: communicator)
        summedPart = FloatBuffer(count: partitionedAdam.range.count).all
        slots = FloatBuffer(count: StepReport.slotCount).all
        self.communicator = communicator
    }

    package var parameters: Vector { producer.model.parameters }

    package func computeGradients(stepInEpoch: Int, objective: Objective, load: BatchLoader) -> StepReport {
        let terms = producer.compute(stepInEpoch: stepInEpoch, objective: objective, load: load)
        return StepReport(terms: terms, nonFinite: !(terms.isFinite && gradients.isFinite))
    }

    package func agree(_ report: StepReport) throws(MPIError) -> StepReport {
        report.write(to: slots)
        try clock.measure { () throws(MPIError) in try communicator.allreduce(slots) }
        return StepReport(slots: slots)
    }

    package func applyUpdate(learningRate: Double, clipNorm: Float?, measuringNorm: Bool) throws(MPIError) -> Double? {
        try clock.measure { () throws(MPIError) in
            try communicator.reduceScatter(gradients, into: summedPart, counts: partitionedAdam.counts)
        }
        // Each rank holds one part of the sum: one scalar allreduce gives the global norm.
        var norm: Double?
        if clipNorm != nil || measuringNorm {
            norm = try clock.measure { () throws(MPIError) -> Double in
                try communicator.allreduce(summedPart.sumOfSquares, .sum).squareRoot()
            }
        }
        if let norm, let factor = clippingFactor(norm: norm, limit: clipNorm) { summedPart.scale(by: factor) }
        try partitionedAdam.update(parameters, gradients: summedPart, learningRate: learningRate, clock: clock)
        return norm
    }
}
