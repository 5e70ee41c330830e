import Dataset
import MPI
import Tensors
import VAE

/// `--gradient-sync allreduce`: the gradients and the step's report travel
/// in one buffer through one in-place allreduce, and every rank applies Adam
/// to every parameter.
///
/// With `overlap`, the decoder's gradients (the buffer's last block, final
/// before the encoder's backward starts) are sent by a non-blocking
/// allreduce from the backward hook, so they travel while the encoder's
/// gradients are computed; the rest follows in ``agree(_:)``.
package final class AllreduceSynchronizer: GradientSynchronizer {
    package let name: String
    let partitionedAdam: PartitionedAdam
    package let clock = CollectiveClock()
    package var optimizer: any DistributedOptimizer { partitionedAdam }
    private let communicator: Communicator
    private let producer: BatchGradients
    /// Gradients followed by the report's slots.
    private let buffer: FloatBuffer
    private let gradients: Vector
    private let slots: Vector
    private let overlap: OverlappedDecoderSync?

    package init(architecture: Architecture, sampler: DistributedSampler, accumulate: Int, learningRate: Float,
         overlap: Bool, communicator: Communicator) {
        let count = ParameterLayout(architecture).count
        buffer = FloatBuffer(count: count + StepReport.slotCount)
        gradients = buffer.vector(offset: 0, count: count)
        slots = buffer.vector(offset: count, count: StepReport.slotCount)
        producer = BatchGradients(architecture: architecture, parameters: FloatBuffer(count: count).all,
                                  gradients: gradients, sampler: sampler, accumulate: accumulate)
        partitionedAdam = PartitionedAdam(learningRate: learningRate, parameterCount: count, sharded: false,
                                    communicator: communicator)
        self.overlap = overlap ? OverlappedDecoderSync(communicator: communicator, model: producer.model) : nil
        name = overlap ? "allreduce+overlap" : "allreduce"
        self.communicator = communicator
    }

    package var parameters: Vector { producer.model.parameters }

    /// Steps whose decoder gradients left during the backward pass.
    package var overlappedSteps: Int { overlap?.overlappedSteps ?? 0 }

    package func computeGradients(stepInEpoch: Int, objective: Objective, load: BatchLoader) -> StepReport {
        overlap?.begin()
        let terms = producer.compute(stepInEpoch: stepInEpoch, objective: objective, load: load,
                                     afterLastLayer: overlap.map { overlap in overlap.layerDone })
        // The decoder's block is being summed in place by now: it was checked when it left.
        let finite = if let overlap {
            overlap.decoderWasFinite && gradients.slice(from: 0, count: producer.model.decoderOffset).isFinite
        } else {
            gradients.isFinite
        }
        return StepReport(terms: terms, nonFinite: !(terms.isFinite && finite))
    }

    package func agree(_ report: StepReport) throws(MPIError) -> StepReport {
        report.write(to: slots)
        try clock.measure { () throws(MPIError) in
            if let overlap {
                try communicator.allreduce(gradients.slice(from: 0, count: producer.model.decoderOffset))
                try overlap.finish()
                try communicator.allreduce(slots)
            } else {
                try communicator.allreduce(buffer.all)
            }
        }
        return StepReport(slots: slots)
    }

    package func applyUpdate(learningRate: Double, clipNorm: Float?, measuringNorm: Bool) throws(MPIError) -> Double? {
        // Every rank holds the whole sum: the norm needs no communication (and
        // is taken on the same steps as in the strategies where it does).
        let norm = clipNorm != nil || measuringNorm ? gradients.sumOfSquares.squareRoot() : nil
        if let norm, let factor = clippingFactor(norm: norm, limit: clipNorm) { gradients.scale(by: factor) }
        try partitionedAdam.update(parameters, gradients: gradients, learningRate: learningRate, clock: clock)
        return norm
    }
}
