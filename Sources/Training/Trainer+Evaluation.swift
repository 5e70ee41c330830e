import Dataset
import Randomness
import SystemIO
import Tensors
import VAE

extension Trainer {
    /// Noise streams that are not training epochs.
    enum NoiseStream {
        static let evaluation: UInt64 = 0xE7A1_0000_0000_0000
        static let samples: UInt64 = 0x5A3B_0000_0000_0000
    }

    /// Per-sample loss terms over the whole set: each rank takes an even,
    /// contiguous shard, sums, and the sums are reduced, so every sample is
    /// counted exactly once. z is drawn once per image from a fixed stream,
    /// so evaluation is repeatable and independent of the rank count.
    func evaluate(_ set: ImageSet) throws(TrainingError) -> LossTerms {
        let shard = evenShard(count: set.count, parts: communicator.size, index: communicator.rank)
        let noise = CounterGaussian(seed: configuration.seed, stream: NoiseStream.evaluation)
        var sums = LossTerms()
        var start = shard.lowerBound
        while start < shard.upperBound {
            let rows = min(model.batchCapacity, shard.upperBound - start)
            let batch = model.batch(rows: rows)
            batch.input.gatherRows(from: set.pixels, rowIndices: start..<(start + rows), scale: 1 / 255)
            for row in 0..<rows {
                batch.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: start + row) }
            }
            sums = sums + model.loss(batch, objective: configuration.objective)
            start += rows
        }
        var totals = [sums.loss, sums.reconstruction, sums.kl]
        do {
            try communicator.allreduce(&totals)
        } catch {
            throw .mpi(error)
        }
        let count = Double(set.count)
        return LossTerms(loss: totals[0] / count, reconstruction: totals[1] / count, kl: totals[2] / count)
    }

    /// Rank 0: `samples.png` (64 decodes of fixed z ~ N(0, I), so successive
    /// epochs show the same codes improving) and `recon.png` (the first 32
    /// test images, each row of originals followed by its reconstructions).
    func writeImages() throws(TrainingError) {
        let width = data.test.columns
        let height = data.test.rows
        let pixels = width * height

        let prior = CounterGaussian(seed: configuration.seed, stream: NoiseStream.samples)
        let codes: [[Float]] = (0..<64).map { position in
            let buffer = FloatBuffer(count: model.architecture.latent)
            buffer.all.withMutableSpan { prior.fill(&$0, position: position) }
            return buffer.all.array
        }
        var decoded = [[Float]]()
        for start in stride(from: 0, to: codes.count, by: model.batchCapacity) {
            let chunk = Array(codes[start..<min(start + model.batchCapacity, codes.count)])
            let output = model.decode(chunk)
            decoded += (0..<chunk.count).map { output.rows(from: $0, count: 1).flattened.array }
        }
        try writePNG(GrayImage.grid(tiles: decoded, tileWidth: width, tileHeight: height, columns: 8), name: "samples.png")

        let count = min(32, data.test.count, model.batchCapacity)
        let batch = model.batch(rows: count)
        batch.input.gatherRows(from: data.test.pixels, rowIndices: 0..<count, scale: 1 / 255)
        let noise = CounterGaussian(seed: configuration.seed, stream: NoiseStream.evaluation)
        for row in 0..<count {
            batch.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: row) }
        }
        _ = model.loss(batch, objective: configuration.objective)
        let outputs = model.outputs(rows: count)
        var tiles = [[Float]]()
        for rowStart in stride(from: 0, to: count, by: 8) {
            let rowEnd = min(rowStart + 8, count)
            tiles += (rowStart..<rowEnd).map { batch.input.rows(from: $0, count: 1).flattened.array }
            tiles += (rowStart..<rowEnd).map { outputs.rows(from: $0, count: 1).flattened.array }
        }
        precondition(tiles.allSatisfy { $0.count == pixels })
        try writePNG(GrayImage.grid(tiles: tiles, tileWidth: width, tileHeight: height, columns: min(8, count)),
                     name: "recon.png")
    }

    private func writePNG(_ image: GrayImage, name: String) throws(TrainingError) {
        let path = "\(configuration.outputDirectory)/\(name)"
        do {
            try Files.writeAtomically(try image.pngData(), to: path)
        } catch let error as FileError {
            throw .file(error)
        } catch {
            throw .image(path: path, reason: "\(error)")
        }
    }
}
