import Dataset
import Tensors
import VAE

/// This rank's gradients, produced the plain way: its contiguous B/N rows of
/// each of the step's `accumulate` micro-batches through one model, the
/// micro-batches' gradients summed in place.
final class BatchGradients {
    let model: VariationalAutoencoder
    let sampler: DistributedSampler
    let accumulate: Int

    init(architecture: Architecture, parameters: Vector, gradients: Vector, sampler: DistributedSampler, accumulate: Int) {
        model = VariationalAutoencoder(architecture: architecture, parameters: parameters, gradients: gradients,
                                       batchCapacity: sampler.localBatchSize)
        self.sampler = sampler
        self.accumulate = accumulate
    }

    /// The summed loss terms; `afterLastLayer` is the model's per-layer
    /// backward hook during the last micro-batch (when the gradients become
    /// final and can start to move).
    func compute(stepInEpoch: Int, objective: Objective, load: BatchLoader,
                 afterLastLayer: ((_ layersLeft: Int) -> Void)? = nil) -> LossTerms {
        var terms = LossTerms()
        for micro in 0..<accumulate {
            let positions = sampler.positions(step: stepInEpoch * accumulate + micro)
            let batch = model.batch(rows: positions.count)
            load(batch, positions)
            terms = terms + model.lossAndGradients(batch, objective: objective, accumulate: micro > 0,
                                                   afterLayer: micro == accumulate - 1 ? afterLastLayer : nil)
        }
        return terms
    }
}
