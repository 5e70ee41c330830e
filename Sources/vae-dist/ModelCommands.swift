import ArgumentParser
import Dataset
import Foundation
import SystemIO
import Training
import VAE

/// Loads and verifies a checkpoint for a single-process command.
func loadCheckpoint(_ path: String, verifyingChecksum: Bool = true) throws(TrainingError) -> Checkpoint {
    do {
        return try CheckpointDirectory.load(path, verifyingChecksum: verifyingChecksum)
    } catch {
        throw .checkpoint(error)
    }
}

/// A model with the checkpoint's weights, for decoding pictures.
func loadModel(_ checkpoint: Checkpoint, capacity: Int = 256) -> VariationalAutoencoder {
    let model = VariationalAutoencoder(architecture: checkpoint.architecture, batchCapacity: capacity)
    model.parameters.copy(from: checkpoint.parameters)
    return model
}

/// The test set, checked against the model's input size.
func loadTestSet(_ directory: String, for checkpoint: Checkpoint, path: String) throws(TrainingError) -> ImageSet {
    let test: ImageSet
    do {
        test = try MNISTDirectory.testSet(path: directory)
    } catch {
        throw .dataset(error)
    }
    guard test.pixelsPerImage == checkpoint.architecture.inputSize else {
        throw .configuration("\(directory): test images are \(test.rows)x\(test.columns), the model in \(path) takes \(checkpoint.architecture.inputSize) pixels")
    }
    return test
}

/// A checkpoint's pictures, sized by the test set it is shown with.
func picturesAndTestSet(checkpoint path: String, data: String) throws(TrainingError) -> (ModelPictures, ImageSet) {
    let loaded = try loadCheckpoint(path)
    let test = try loadTestSet(data, for: loaded, path: path)
    return (ModelPictures(model: loadModel(loaded), seed: loaded.seed, width: test.columns, height: test.rows), test)
}

/// Image sides for a model: the data's, or the square root of the input size.
func imageSides(_ checkpoint: Checkpoint) -> (width: Int, height: Int)? {
    let side = Int(Double(checkpoint.architecture.inputSize).squareRoot().rounded())
    return side * side == checkpoint.architecture.inputSize ? (side, side) : nil
}

func write(_ image: GridImage, to path: String) throws(TrainingError) {
    try requireNotInterrupted()
    try image.write(to: path)
    print("wrote \(path) (\(image.width)x\(image.height))")
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Decode z ~ N(0, I) into a grid PNG.")

    @OptionGroup var input: CheckpointArgument
    @Option(help: "Images to generate.") var count: Int = 64
    @Option(help: "Images per row of the grid.") var columns: Int = 8
    @Option(help: "Output PNG.") var out: String = "samples.png"
    @Option(help: "Seed for z (default: the checkpoint's, which training's samples.png uses).") var seed: UInt64?

    func validate() throws {
        guard count > 0, count <= 4096 else { throw ValidationError("--count must be between 1 and 4096 (got \(count))") }
        guard columns > 0, columns <= count else { throw ValidationError("--columns must be between 1 and --count \(count) (got \(columns))") }
    }

    func run() {
        runAlone("sample") { () throws(TrainingError) in
            let loaded = try loadCheckpoint(input.checkpoint)
            guard let sides = imageSides(loaded) else {
                throw .configuration("\(input.checkpoint): the model's \(loaded.architecture.inputSize) outputs are not a square image")
            }
            let pictures = ModelPictures(model: loadModel(loaded), seed: seed ?? loaded.seed, width: sides.width, height: sides.height)
            try write(pictures.samples(count: count, columns: columns), to: out)
        }
    }
}

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Test images and their reconstructions, side by side in one PNG.")

    @OptionGroup var input: CheckpointArgument
    @OptionGroup var data: DataOption
    @Option(help: "Test images to reconstruct (the first ones).") var count: Int = 32
    @Option(help: "Output PNG.") var out: String = "recon.png"

    func validate() throws {
        guard count > 0, count <= 4096 else { throw ValidationError("--count must be between 1 and 4096 (got \(count))") }
    }

    func run() {
        runAlone("reconstruct") { () throws(TrainingError) in
            let (pictures, test) = try picturesAndTestSet(checkpoint: input.checkpoint, data: data.data)
            try write(pictures.reconstructions(of: test, count: count), to: out)
        }
    }
}

struct Manifold: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The learned manifold: a grid over a 2-D latent plane, or a traversal of each latent dimension.",
        discussion: "For --latent 2 models, decodes a STEPSxSTEPS grid of codes at the Gaussian's quantiles (Kingma & Welling's figure). For larger latents, row j varies dimension j through the same quantiles around the first test image's mean code.")

    @OptionGroup var input: CheckpointArgument
    @OptionGroup var data: DataOption
    @Option(help: "Quantiles per axis.") var steps: Int = 20
    @Option(help: "Output PNG.") var out: String = "manifold.png"

    func validate() throws {
        guard steps >= 2, steps <= 100 else { throw ValidationError("--steps must be between 2 and 100 (got \(steps))") }
    }

    func run() {
        runAlone("manifold") { () throws(TrainingError) in
            let (pictures, test) = try picturesAndTestSet(checkpoint: input.checkpoint, data: data.data)
            try write(pictures.manifold(steps: steps, around: test), to: out)
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the model's weights alone (PyTorch names) as safetensors, for load_state_dict or train --init.")

    @OptionGroup var input: CheckpointArgument
    @Option(help: "Output safetensors file.") var out: String = "model.safetensors"

    func run() {
        runAlone("export") { () throws(TrainingError) in
            let loaded = try loadCheckpoint(input.checkpoint)
            try requireNotInterrupted()
            do throws(FileError) {
                try Files.writeAtomically(ModelFile.encoded(architecture: loaded.architecture, objective: loaded.objective,
                                                            parameters: loaded.parameters), to: out)
            } catch {
                throw .file(error)
            }
            print("wrote \(out) (\(loaded.architecture), \(loaded.parameters.count) parameters)")
        }
    }
}
