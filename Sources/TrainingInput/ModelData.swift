import Dataset
import Randomness
import MPI
import Checkpoints
import TrainingCore
import VAE

/// The rows of `--data` that a command using a trained model works on,
/// as that model saw data in training (normalized and binarized alike).
///
/// Which rows: an MNIST-layout directory's test split (`t10k-`; its
/// training split with `split: .train`); every row of a `.npy` file or an
/// image folder, in file order; or, with the training run's `--holdout F`
/// and `--holdout-seed`, exactly the rows it held out.
public struct ModelData: Sendable {
    public enum Split: String, CaseIterable, Sendable {
        case train, test
    }

    let rows: SampleRows
    package let source: BatchSource
    /// Describes what was read, for reports.
    public let description: String

    public var count: Int { rows.count }
    public var shape: SampleShape { rows.shape }
    /// Labels of the rows, in their order (MNIST layout only).
    public var labels: [UInt8]? { rows.labels }

    public static func open(_ path: String, for checkpoint: Checkpoint, checkpointPath: String, split: Split = .test,
                            holdout: Double? = nil, holdoutSeed: UInt64 = TrainingDefaults.holdoutSeed,
                            communicator: Communicator? = nil) throws(TrainingError) -> ModelData {
        let input = try DataInput.open(path, flag: "--data", communicator: communicator)
        var rows: SampleRows
        var description: String
        if let fraction = holdout {
            guard input.test == nil else {
                throw .configuration("--holdout: \(path) has its own test split (t10k- files); --holdout is for inputs without one")
            }
            let (train, test) = try TrainingData.split(input, fraction: fraction, seed: holdoutSeed,
                                                       worldSize: communicator?.size ?? 1)
            rows = split == .test ? test : train
            description = "the \(rows.count) \(split == .test ? "held-out" : "training") rows of \(path) (--holdout \(fraction))"
        } else if let own = input.test, split == .test {
            rows = SampleRows(own.samples, labels: own.labels)
            description = "the \(rows.count) test images of \(path)"
        } else {
            rows = SampleRows(input.samples, labels: input.labels)
            description = "the \(rows.count) rows of \(path)"
        }
        let features = checkpoint.architecture.inputSize
        guard rows.shape.features == features else {
            throw .configuration("\(path): samples have \(rows.shape.features) features (\(rows.shape)), the model in \(checkpointPath) takes \(features) (\(checkpoint.input.shape))")
        }
        guard rows.count > 0 else { throw .configuration("\(path): no rows to use") }
        try checkValues(of: rows, path: path, checkpoint: checkpoint, communicator: communicator)
        let format = checkpoint.input
        let source = BatchSource(rows: rows, normalization: format.normalization,
                                 binarization: format.binarize
                                     ? CounterBernoulli(seed: checkpoint.seed, stream: BinarizationStream.test) : nil)
        return ModelData(rows: rows, source: source, description: description)
    }
}

extension ModelData {
    /// The checks `train` applies to its own data, on the rows a model
    /// command reads (`eval`, `encode`, `reconstruct`, `manifold`): every
    /// value finite, and for a model whose decoder ends in a sigmoid (`bce`)
    /// and that was trained without normalization, every value in [0, 1],
    /// where its loss means something. One pass over the values, split over the
    /// ranks when there are several; uint8 data without normalization is
    /// finite and in [0, 1] by construction and is not read.
    static func checkValues(of rows: SampleRows, path: String, checkpoint: Checkpoint,
                            communicator: Communicator?) throws(TrainingError) {
        let normalization = checkpoint.input.normalization
        guard rows.matrix.element != .uint8 || normalization.mode != .none else { return }
        let statistics: SampleStatistics
        if let communicator {
            statistics = try rows.distributedStatistics(communicator: communicator)
        } else {
            statistics = rows.scan(0..<rows.count)
        }
        // The statistics are the same on every rank, so is the verdict: rank 0 reports it.
        let verdict = { () throws(TrainingError) in
            if let row = statistics.firstNonFiniteRow {
                throw .configuration("\(path): row \(row) holds NaN or Inf (vae-dist scores finite values only)")
            }
            guard checkpoint.objective.reconstruction.outputActivation == .sigmoid else { return }
            // As train checks it: the stored values, without normalization.
            // (Rows that --normalize minmax maps a little outside [0, 1], as
            // held-out rows of continuous data often are, are not refused.)
            guard normalization.mode == .none else { return }
            guard statistics.minimum >= 0 && statistics.maximum <= 1 else {
                throw .configuration("\(path): this model was trained with --recon \(checkpoint.objective.reconstruction.rawValue), which needs values in [0, 1] (its decoder ends in a sigmoid); these rows hold values from \(statistics.minimum) to \(statistics.maximum), where its loss means nothing")
            }
        }
        if let communicator {
            try communicator.agree(verdict)
        } else {
            try verdict()
        }
    }
}

/// Defaults the CLI and the library share.
public enum TrainingDefaults {
    /// `--holdout-seed`: fixed and independent of `--seed`, so runs with
    /// different seeds are scored on the same held-out rows.
    public static let holdoutSeed: UInt64 = 20_141_220
}
