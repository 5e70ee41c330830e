import ArgumentParser
import Dataset

/// `--data`, as every command that reads a data set takes it.
struct DataOption: ParsableArguments {
    @Option(help: "MNIST-format directory: train-/t10k- images (and labels), raw or .gz.")
    var data: String = MNISTDirectory.defaultPath
}

/// The checkpoint a model command works on.
struct CheckpointArgument: ParsableArguments {
    @Argument(help: "A checkpoint file (OUT/checkpoint-<step>.safetensors).")
    var checkpoint: String
}
