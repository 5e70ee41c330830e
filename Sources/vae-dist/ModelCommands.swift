import ArgumentParser
import Dataset
import Foundation
import SystemIO
import Training
import VAE
import Checkpoints
import RunDirectory
import TrainingCore
import Evaluation
import TrainingInput

/// Loads and verifies a checkpoint for a command.
func loadCheckpoint(_ path: String, verifyingChecksum: Bool = true) throws(TrainingError) -> Checkpoint {
    do {
        return try CheckpointDirectory.load(path, verifyingChecksum: verifyingChecksum)
    } catch {
        throw .checkpoint(error)
    }
}

/// A model with the checkpoint's weights.
func loadModel(_ checkpoint: Checkpoint, capacity: Int = 256) -> VariationalAutoencoder {
    let model = VariationalAutoencoder(architecture: checkpoint.architecture, batchCapacity: capacity)
    model.parameters.copy(from: checkpoint.parameters)
    return model
}

/// Where a command's rows go: a `.npy` array in the data's units when the
/// path ends in `.npy`, else a PNG grid (image data only).
enum PictureOutput {
    case numpy(String)
    case png(String)

    init(_ path: String) {
        self = path.hasSuffix(".npy") ? .numpy(path) : .png(path)
    }

    /// Writes `rows` (in the model's data units) or `grid`, as the output
    /// asks; only the one needed is computed.
    func write(_ rows: () -> [[Float]], format: InputFormat, pictures: ModelPictures, grid: () -> GridImage) throws(TrainingError) {
        try requireNotInterrupted()
        switch self {
        case let .numpy(path):
            try writeArray(rows(), format: format, to: path)
        case let .png(path):
            guard pictures.hasImages else {
                throw .configuration("\(path): the model's data are vectors (\(format.shape)), not images; write a .npy instead (--out NAME.npy)")
            }
            let image = grid()
            try image.write(to: path)
            print("wrote \(path) (\(image.width)x\(image.height))")
        }
    }
}

/// Writes rows in the data's own units (bytes' 0...255 scale restored) as a
/// float32 `.npy` shaped like the training input, atomically.
func writeArray(_ rows: [[Float]], format: InputFormat, to path: String) throws(TrainingError) {
    try requireNotInterrupted()
    let scale = format.storedScale
    let values = rows.flatMap { row in row.map { $0 * scale } }
    let shape = format.arrayShape(count: rows.count)
    do {
        try Files.writeAtomically(NumpyFile.encoded(values, shape: shape), to: path)
    } catch {
        throw .file(error)
    }
    print("wrote \(path) (\(shape.map(String.init).joined(separator: "x")) float32)")
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode z ~ N(0, I): a grid PNG, or a .npy of samples in the data's units (--out NAME.npy).")

    @OptionGroup var input: CheckpointArgument
    @Option(help: "Samples to generate.") var count: Int = 64
    @Option(help: "Images per row of the grid.") var columns: Int = 8
    @Option(help: "Output: a PNG grid, or NAME.npy for the values.") var out: String = "samples.png"
    @OptionGroup var overwrite: OverwriteOption
    @Option(help: "Seed for z (default: the checkpoint's, which training's samples.png uses).") var seed: UInt64?

    func validate() throws {
        guard count > 0, count <= 4096 else { throw ValidationError("--count must be between 1 and 4096 (got \(count))") }
        guard columns > 0, columns <= 4096 else { throw ValidationError("--columns must be between 1 and 4096 (got \(columns))") }
    }

    func run() {
        runAlone("sample") { () throws(TrainingError) in
            try OutputGuard.check(out, inputs: [input.checkpoint], force: overwrite.force)
            let loaded = try loadCheckpoint(input.checkpoint)
            let pictures = ModelPictures(checkpoint: loaded, model: loadModel(loaded), seed: seed)
            try PictureOutput(out).write({ pictures.sampleRows(count: count) }, format: loaded.input, pictures: pictures) {
                pictures.samples(count: count, columns: min(columns, count))
            }
        }
    }
}

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rows of --data above their reconstructions in one PNG, or the reconstructions as a .npy (--out NAME.npy).")

    @OptionGroup var input: CheckpointArgument
    @OptionGroup var data: DataOption
    @OptionGroup var rows: RowsOption
    @Option(help: "Rows to reconstruct (the first ones of the test split, or of the file).") var count: Int = 32
    @Option(help: "Output: a PNG grid, or NAME.npy for the reconstructions.") var out: String = "recon.png"
    @OptionGroup var overwrite: OverwriteOption

    func validate() throws {
        guard count > 0, count <= 65536 else { throw ValidationError("--count must be between 1 and 65536 (got \(count))") }
    }

    func run() {
        runAlone("reconstruct") { () throws(TrainingError) in
            try OutputGuard.check(out, inputs: [input.checkpoint, data.data], force: overwrite.force)
            let loaded = try loadCheckpoint(input.checkpoint)
            let set = try ModelData.open(data.data, for: loaded, checkpointPath: input.checkpoint,
                                         holdout: rows.holdout, holdoutSeed: rows.holdoutSeed)
            let pictures = ModelPictures(checkpoint: loaded, model: loadModel(loaded), shape: set.shape)
            try PictureOutput(out).write({ pictures.reconstructionRows(of: set, count: count).reconstructions },
                                         format: loaded.input, pictures: pictures) {
                pictures.reconstructions(of: set, count: count)
            }
        }
    }
}

struct Manifold: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The learned manifold: a grid over a 2-D latent plane, or a traversal of each latent dimension.",
        discussion: "For --latent 2 models, decodes a STEPSxSTEPS grid of codes at the Gaussian's quantiles (Kingma & Welling's figure). For larger latents, row j varies dimension j through the same quantiles around the first test row's mean code.")

    @OptionGroup var input: CheckpointArgument
    @OptionGroup var data: DataOption
    @OptionGroup var rows: RowsOption
    @Option(help: "Quantiles per axis.") var steps: Int = 20
    @Option(help: "Output: a PNG grid, or NAME.npy for the values.") var out: String = "manifold.png"
    @OptionGroup var overwrite: OverwriteOption

    func validate() throws {
        guard steps >= 2, steps <= 100 else { throw ValidationError("--steps must be between 2 and 100 (got \(steps))") }
    }

    func run() {
        runAlone("manifold") { () throws(TrainingError) in
            try OutputGuard.check(out, inputs: [input.checkpoint, data.data], force: overwrite.force)
            let loaded = try loadCheckpoint(input.checkpoint)
            let set = try ModelData.open(data.data, for: loaded, checkpointPath: input.checkpoint,
                                         holdout: rows.holdout, holdoutSeed: rows.holdoutSeed)
            let pictures = ModelPictures(checkpoint: loaded, model: loadModel(loaded), shape: set.shape)
            try PictureOutput(out).write({ pictures.manifoldRows(steps: steps, around: set) }, format: loaded.input,
                                         pictures: pictures) { pictures.manifold(steps: steps, around: set) }
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the model's weights alone (PyTorch names) as safetensors, for load_state_dict or train --init.")

    @OptionGroup var input: CheckpointArgument
    @Option(help: "Output safetensors file.") var out: String = "model.safetensors"
    @OptionGroup var overwrite: OverwriteOption

    func run() {
        runAlone("export") { () throws(TrainingError) in
            try OutputGuard.check(out, inputs: [input.checkpoint], force: overwrite.force)
            let loaded = try loadCheckpoint(input.checkpoint)
            try requireNotInterrupted()
            do throws(FileError) {
                try Files.writeAtomically(ModelFile.encoded(architecture: loaded.architecture, objective: loaded.objective,
                                                            parameters: loaded.parameters, input: loaded.input), to: out)
            } catch {
                throw .file(error)
            }
            print("wrote \(out) (\(loaded.architecture), \(loaded.parameters.count) parameters)")
        }
    }
}
