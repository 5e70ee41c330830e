import Dataset
import MPI
import Randomness
import Tensors
import VAE
import Checkpoints
import TrainingCore
import TrainingInput

/// `vae-dist encode`: the posterior q(z|x) of every row of a data set, each
/// rank encoding a contiguous share and rank 0 gathering them in row order.
public struct LatentEncoding: Sendable {
    /// Rank 0: row-major rows of μ (and then log σ² when asked); empty elsewhere.
    public let values: [Float]
    public let rows: Int
    /// Floats per row: latent, or 2·latent with log-variances.
    public let width: Int

    public static func encode(_ data: ModelData, checkpoint: Checkpoint, withLogVariance: Bool,
                              communicator: Communicator) throws(TrainingError) -> LatentEncoding {
        let latent = checkpoint.architecture.latent
        let width = withLogVariance ? 2 * latent : latent
        let (total, overflow) = data.count.multipliedReportingOverflow(by: width)
        guard !overflow, total <= Int(Int32.max) else {
            throw .configuration("encode: \(data.count) rows x \(width) values exceed what one MPI gather moves (\(Int32.max)); encode a part of the data at a time")
        }
        let model = VariationalAutoencoder(architecture: checkpoint.architecture, batchCapacity: Evaluator.batchCapacity)
        model.parameters.copy(from: checkpoint.parameters)
        let shard = evenShard(count: data.count, parts: communicator.size, index: communicator.rank)
        let part = FloatBuffer(count: shard.count * width)
        let unused = CounterGaussian(seed: checkpoint.seed, stream: 0)
        for start in stride(from: shard.lowerBound, to: shard.upperBound, by: model.batchCapacity) {
            let count = min(model.batchCapacity, shard.upperBound - start)
            let batch = model.batch(rows: count)
            batch.noise.flattened.fill(0)
            batch.load(start..<(start + count), from: data.source, noise: unused, noisePositions: [])
            _ = model.loss(batch, objective: checkpoint.objective)
            let posterior = model.posterior(rows: count)
            for row in 0..<count {
                for column in 0..<width {
                    part[(start - shard.lowerBound + row) * width + column] = posterior[row, column]
                }
            }
        }
        let counts = (0..<communicator.size).map { evenShard(count: data.count, parts: communicator.size, index: $0).count * width }
        let whole = communicator.isRoot ? FloatBuffer(count: total) : nil
        do {
            try communicator.gather(part.all, into: whole?.all, counts: counts)
        } catch {
            throw .mpi(error)
        }
        return LatentEncoding(values: whole?.all.array ?? [], rows: data.count, width: width)
    }
}
