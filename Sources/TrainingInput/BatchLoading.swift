import Dataset
import Randomness
import VAE
import Checkpoints

/// Where a batch's rows come from and how they are turned into model input:
/// gathered from `rows` (bytes scaled to [0, 1], floats as stored), mapped
/// by the run's normalization, then binarized (`--binarize`).
package struct BatchSource {
    package let rows: SampleRows
    let normalization: Normalization
    /// `--binarize`: the draws of this pass over the rows (an epoch's, or
    /// the test set's fixed ones); nil: grey values as they are.
    let binarization: CounterBernoulli?

    package init(rows: SampleRows, normalization: Normalization, binarization: CounterBernoulli? = nil) {
        self.rows = rows
        self.normalization = normalization
        self.binarization = binarization
    }
}

extension VariationalAutoencoder.Batch {
    /// Loads rows `rows` of `source` into the input, and into noise row r the
    /// standard normals at the r-th of `noisePositions`.
    ///
    /// Every consumer of a batch (a training step, evaluation, the
    /// importance-weighted bound, pictures, encode) goes through here, so the
    /// data's conversion and the addressing of noise by position are defined
    /// once. Binarization draws are addressed by the row itself (and the
    /// pass's stream), so an image keeps its draws wherever it is computed.
    package func load(_ rows: some Collection<Int>, from source: BatchSource, noise: CounterGaussian,
              noisePositions: some Sequence<Int>) {
        source.rows.gather(rows, into: input)
        source.normalization.apply(to: input)
        if let binarization = source.binarization {
            for (index, row) in zip(0..<input.rows, rows) {
                input.rows(from: index, count: 1).flattened.withMutableSpan { binarization.binarize(&$0, position: row) }
            }
        }
        for (row, position) in zip(0..<self.noise.rows, noisePositions) {
            self.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: position) }
        }
    }
}
