import ArgumentParser
import Dataset
import Foundation
import MPI
import SystemIO
import Training
import Checkpoints
import TrainingCore
import Evaluation
import TrainingInput

extension ModelData.Split: ExpressibleByArgument {}

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Posterior means (and log-variances) of every row of --data, in row order, as one .npy; sharded over the job's ranks.",
        discussion: "Rows: every row of a .npy file or image folder; an MNIST directory's training split (--split test for t10k-); with --holdout, the rows a training run held out. Columns: mu_1..mu_L, then logvar_1..logvar_L with --with-logvar.")

    @OptionGroup var input: CheckpointArgument
    @OptionGroup var data: DataOption
    @OptionGroup var rows: RowsOption
    @Option(help: "Which split of an MNIST-layout directory (others have one).") var split: ModelData.Split = .train
    @Option(help: "Output .npy (float32, rows x L, or rows x 2L).") var out: String = "latents.npy"
    @Flag(name: .customLong("with-logvar"), help: "Also write log sigma^2 of each latent dimension.") var withLogVariance = false
    @Option(name: .customLong("labels-out"), help: "Also write the rows' labels (MNIST layout) as a uint8 .npy, in the same order.")
    var labelsOut: String?
    @OptionGroup var overwrite: OverwriteOption

    func validate() throws {
        guard out.hasSuffix(".npy") else { throw ValidationError("--out must name a .npy file (got \(out))") }
        if let labelsOut, !labelsOut.hasSuffix(".npy") { throw ValidationError("--labels-out must name a .npy file (got \(labelsOut))") }
        if let labelsOut, labelsOut == out { throw ValidationError("--labels-out and --out name the same file") }
    }

    func run() {
        withMPI(verbose: false) { world, _ throws(TrainingError) -> (Checkpoint, ModelData, Communicator) in
            try world.agree { () throws(TrainingError) in
                for output in [out] + (labelsOut.map { [$0] } ?? []) {
                    try OutputGuard.check(output, inputs: [input.checkpoint, data.data], force: overwrite.force)
                }
            }
            let checkpoint = try world.agree { () throws(TrainingError) -> Checkpoint in try loadCheckpoint(input.checkpoint) }
            let set = try ModelData.open(data.data, for: checkpoint, checkpointPath: input.checkpoint, split: split,
                                         holdout: rows.holdout, holdoutSeed: rows.holdoutSeed, communicator: world)
            try world.agree { () throws(TrainingError) in
                if labelsOut != nil && set.labels == nil {
                    throw .configuration("--labels-out: \(data.data) has no labels (only MNIST-layout directories with label files do)")
                }
            }
            return (checkpoint, set, world)
        } work: { (checkpoint: Checkpoint, set: ModelData, world: Communicator) throws(TrainingError) in
            let encoding = try LatentEncoding.encode(set, checkpoint: checkpoint, withLogVariance: withLogVariance,
                                                     communicator: world)
            guard world.isRoot else { return }
            do throws(FileError) {
                try Files.writeAtomically(NumpyFile.encoded(encoding.values, shape: [encoding.rows, encoding.width]), to: out)
                if let labelsOut, let labels = set.labels {
                    try Files.writeAtomically(NumpyFile.encoded(labels, shape: [labels.count]), to: labelsOut)
                }
            } catch {
                throw .file(error)
            }
            print("wrote \(out) (\(encoding.rows) rows x \(encoding.width): \(set.description))")
            if let labelsOut { print("wrote \(labelsOut) (\(encoding.rows) labels, same order)") }
        }
    }
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decoder means for the latent codes in a .npy (rows x L), in the data's units, as a .npy.")

    @OptionGroup var input: CheckpointArgument
    @Option(help: "A .npy of codes: float32 or float64, shape (N, L).") var latents: String
    @Option(help: "Output .npy (float32, shaped like the training data's rows).") var out: String = "decoded.npy"
    @OptionGroup var overwrite: OverwriteOption

    func validate() throws {
        guard out.hasSuffix(".npy") else { throw ValidationError("--out must name a .npy file (got \(out))") }
    }

    func run() {
        runAlone("decode") { () throws(TrainingError) in
            try OutputGuard.check(out, inputs: [input.checkpoint, latents], force: overwrite.force)
            let loaded = try loadCheckpoint(input.checkpoint)
            let codes: SampleMatrix
            do throws(DatasetError) {
                codes = try NumpyFile(path: latents).samples
            } catch {
                throw .dataset(error)
            }
            let latent = loaded.architecture.latent
            guard codes.shape.image == nil, codes.features == latent, codes.element != .uint8 else {
                throw .configuration("--latents \(latents): codes must be a float array of shape (N, \(latent)) for this model; it holds \(codes.count) rows of \(codes.shape) \(codes.element) (an encode --with-logvar file holds mu and logvar: keep its first \(latent) columns)")
            }
            let statistics = codes.scan(rows: 0..<codes.count)
            if let row = statistics.firstNonFiniteRow {
                throw .configuration("--latents \(latents): row \(row) holds NaN or Inf")
            }
            let pictures = ModelPictures(checkpoint: loaded, model: loadModel(loaded))
            var decoded = [[Float]]()
            for start in stride(from: 0, to: codes.count, by: 4096) {
                decoded += pictures.decode(codes.rows(start..<min(start + 4096, codes.count)))
            }
            try writeArray(decoded, format: loaded.input, to: out)
        }
    }
}
