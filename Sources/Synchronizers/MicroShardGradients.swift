import Dataset
import Tensors
import VAE

/// This rank's gradients in `--deterministic M` mode: one per fixed
/// micro-shard it owns.
///
/// Every global batch is cut into M micro-shards whose rows depend only on
/// (seed, epoch, step). Rank r of N computes micro-shards r·M/N ..< (r+1)·M/N
/// as the row groups of one model over its whole share of the batch: the
/// weight and bias gradients, which sum over rows, are computed per
/// micro-shard (the same GEMM shapes at every N), each into its own buffer;
/// the row-wise GEMMs (forward, input gradients) run on the whole share when
/// the start-up check finds that they give every row the same bits at any
/// row count, and per micro-shard otherwise. Either way a micro-shard's
/// gradient is the same bits wherever it is computed.
///
/// The micro-shards' gradients are either added at once as a pairwise tree
/// (``GroupGradients/pairwiseSum(groups:into:)``: one buffer, the rank's
/// subtree of the step's tree) or kept one buffer each — for fixed-point
/// sums, and with `--accumulate K`, where each micro-shard's buffer sums its
/// K micro-batches in place, always in the order 0..<K, before any tree.
final class MicroShardGradients {
    /// The micro-shards this rank computes.
    let local: Range<Int>
    let model: VariationalAutoencoder
    /// Whether the row-wise GEMMs run per micro-shard (the check failed).
    let splitsRowwiseGEMMs: Bool
    private let samplers: [DistributedSampler]
    private let accumulate: Int
    private let shardRows: Int

    init(shards: Int, architecture: Architecture, reconstruction: Reconstruction, parameters: Vector, sampleCount: Int,
         globalBatchSize: Int, accumulate: Int, summingInTree: Bool, forcesRowwiseGEMMSplit: Bool, seed: UInt64, rank: Int,
         worldSize: Int) {
        precondition(shards % worldSize == 0 && globalBatchSize % shards == 0, "micro-shards must divide the ranks' batch")
        let perRank = shards / worldSize
        local = (rank * perRank)..<((rank + 1) * perRank)
        samplers = local.map {
            DistributedSampler(sampleCount: sampleCount, globalBatchSize: globalBatchSize, rank: $0, worldSize: shards, seed: seed)
        }
        shardRows = globalBatchSize / shards
        let count = ParameterLayout(architecture).count
        let groupGradients: GroupGradients
        if summingInTree && accumulate == 1 {
            groupGradients = .pairwiseSum(groups: perRank, into: FloatBuffer(count: count).all)
        } else {
            let buffer = FloatBuffer(count: count * perRank)
            groupGradients = .separate((0..<perRank).map { buffer.vector(offset: $0 * count, count: count) })
        }
        model = VariationalAutoencoder(architecture: architecture, parameters: parameters, groupGradients: groupGradients,
                                       batchCapacity: shardRows * perRank)
        splitsRowwiseGEMMs = forcesRowwiseGEMMSplit || !VariationalAutoencoder.rowwiseGEMMsAreRowCountIndependent(
            architecture: architecture, objective: Objective(reconstruction: reconstruction), groups: perRank,
            rowsPerGroup: shardRows)
        self.accumulate = accumulate
    }

    /// Each local micro-shard's gradients, in `local` order, or their
    /// pairwise tree sum alone.
    var gradients: GroupGradients { model.groupGradients }

    /// The loss terms of each local micro-shard, in `local` order.
    func compute(stepInEpoch: Int, objective: Objective, load: BatchLoader) -> [LossTerms] {
        var terms = [LossTerms](repeating: LossTerms(), count: samplers.count)
        let batch = model.batch(rows: shardRows * samplers.count)
        for micro in 0..<accumulate {
            for (index, sampler) in samplers.enumerated() {
                let positions = sampler.positions(step: stepInEpoch * accumulate + micro)
                precondition(positions.count == shardRows, "a micro-shard of \(positions.count) rows, not \(shardRows)")
                load(batch.rows(from: index * shardRows, count: shardRows), positions)
            }
            let step = model.lossAndGradientsByRowGroup(batch, objective: objective, accumulate: micro > 0,
                                                        splittingRowwiseGEMMs: splitsRowwiseGEMMs)
            terms = zip(terms, step).map { $0 + $1 }
        }
        return terms
    }
}
