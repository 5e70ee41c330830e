import ArgumentParser
import Dataset
import Training
import TrainingInput

/// `--data`, as every command that reads a data set takes it.
struct DataOption: ParsableArguments {
    @Option(help: "An MNIST-layout directory (train-/t10k- IDX files, raw or .gz), a .npy file (N,D), (N,H,W) or (N,H,W,C), or a folder of PNG images.")
    var data: String = MNISTDirectory.defaultPath
}

/// Which rows of `--data` a model command uses, as `ModelData` picks them.
struct RowsOption: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "Use the rows a training run with this --holdout held out (with its --holdout-seed).")
    var holdout: Double?

    @Option(name: .customLong("holdout-seed"), parsing: .unconditional, help: "The training run's --holdout-seed.")
    var holdoutSeed: UInt64 = TrainingDefaults.holdoutSeed

    func validate() throws {
        if let holdout, !(holdout > 0 && holdout < 1) {
            throw ValidationError("--holdout must lie strictly between 0 and 1 (got \(holdout))")
        }
    }
}

/// The checkpoint a model command works on.
struct CheckpointArgument: ParsableArguments {
    @Argument(help: "A checkpoint file (OUT/checkpoint-<step>.safetensors).")
    var checkpoint: String
}
