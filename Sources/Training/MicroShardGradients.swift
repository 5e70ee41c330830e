import Dataset
import Tensors
import VAE

/// This rank's gradients in `--deterministic M` mode: one per fixed
/// micro-shard it owns.
///
/// Every global batch is cut into M micro-shards whose rows depend only on
/// (seed, epoch, step). Rank r of N computes micro-shards r·M/N ..< (r+1)·M/N,
/// each in its own replica (shared parameters, own gradients) with the same
/// GEMM shapes at every N, so a micro-shard's gradient is the same bits
/// wherever it is computed. With `--accumulate K`, each replica sums its
/// micro-shard's K micro-batches in place, always in the order 0..<K, so the
/// sums are still the same bits at every N — no extra memory, and the
/// fixed-point scale is chosen once, after all K are in.
final class MicroShardGradients {
    /// The micro-shards this rank computes.
    let local: Range<Int>
    let replicas: [VariationalAutoencoder]
    private let samplers: [DistributedSampler]
    private let accumulate: Int

    init(shards: Int, architecture: Architecture, parameters: Vector, sampleCount: Int, globalBatchSize: Int,
         accumulate: Int, seed: UInt64, rank: Int, worldSize: Int) {
        precondition(shards % worldSize == 0 && globalBatchSize % shards == 0, "micro-shards must divide the ranks' batch")
        let perRank = shards / worldSize
        local = (rank * perRank)..<((rank + 1) * perRank)
        samplers = local.map {
            DistributedSampler(sampleCount: sampleCount, globalBatchSize: globalBatchSize, rank: $0, worldSize: shards, seed: seed)
        }
        let count = ParameterLayout(architecture).count
        let gradients = FloatBuffer(count: count * perRank)
        replicas = (0..<perRank).map { index in
            VariationalAutoencoder(architecture: architecture, parameters: parameters,
                                   gradients: gradients.vector(offset: index * count, count: count),
                                   batchCapacity: globalBatchSize / shards)
        }
        self.accumulate = accumulate
    }

    /// The loss terms of each local micro-shard, in `local` order.
    func compute(stepInEpoch: Int, objective: Objective, load: BatchLoader) -> [LossTerms] {
        zip(replicas, samplers).map { replica, sampler in
            var terms = LossTerms()
            for micro in 0..<accumulate {
                let positions = sampler.positions(step: stepInEpoch * accumulate + micro)
                let batch = replica.batch(rows: positions.count)
                load(batch, positions)
                terms = terms + replica.lossAndGradients(batch, objective: objective, accumulate: micro > 0)
            }
            return terms
        }
    }
}
