import Dataset
import Randomness
import MPI
import Checkpoints
import TrainingCore

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
        let format = checkpoint.input
        let source = BatchSource(rows: rows, normalization: format.normalization,
                                 binarization: format.binarize
                                     ? CounterBernoulli(seed: checkpoint.seed, stream: BinarizationStream.test) : nil)
        return ModelData(rows: rows, source: source, description: description)
    }
}

/// Defaults the CLI and the library share.
public enum TrainingDefaults {
    /// `--holdout-seed`: fixed and independent of `--seed`, so runs with
    /// different seeds are scored on the same held-out rows.
    public static let holdoutSeed: UInt64 = 20_141_220
}
