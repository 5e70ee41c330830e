import Dataset
import Randomness
import VAE

extension VariationalAutoencoder.Batch {
    /// Loads `rows` of `set` (bytes scaled to [0, 1]) into the input, and
    /// into noise row r the standard normals at the r-th of `noisePositions`.
    ///
    /// Every consumer of a batch (a training step, evaluation, the
    /// importance-weighted bound, pictures) goes through here, so the data's
    /// scaling and the addressing of noise by position are defined once.
    func load(_ rows: some Collection<Int>, of set: ImageSet, noise: CounterGaussian,
              positions noisePositions: some Sequence<Int>) {
        input.gatherRows(from: set.pixels, rowIndices: rows, scale: 1 / 255)
        for (row, position) in zip(0..<self.noise.rows, noisePositions) {
            self.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: position) }
        }
    }
}
