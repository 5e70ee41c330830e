import ArgumentParser
import Dataset
import Foundation
import SystemIO
import Training
import VAE

/// Loads a checkpoint for a single-process command, or ends the process
/// with the one-line error.
func loadCheckpoint(_ path: String, verifyingChecksum: Bool = true) -> Checkpoint {
    do {
        return try CheckpointDirectory.load(path, verifyingChecksum: verifyingChecksum)
    } catch {
        exitWithError(error.description)
    }
}

/// A model with the checkpoint's weights, for decoding pictures.
func loadModel(_ checkpoint: Checkpoint, capacity: Int = 256) -> VariationalAutoencoder {
    let model = VariationalAutoencoder(architecture: checkpoint.architecture, batchCapacity: capacity)
    model.parameters.copy(from: checkpoint.parameters)
    return model
}

/// The test set, checked against the model's input size.
func loadTestSet(_ directory: String, for checkpoint: Checkpoint, path: String) -> ImageSet {
    do {
        let test = try MNISTDirectory.testSet(path: directory)
        guard test.pixelsPerImage == checkpoint.architecture.inputSize else {
            exitWithError("\(directory): test images are \(test.rows)x\(test.columns), the model in \(path) takes \(checkpoint.architecture.inputSize) pixels")
        }
        return test
    } catch {
        exitWithError(error.description)
    }
}

/// A checkpoint's pictures, sized by the test set it is shown with.
func picturesAndTestSet(checkpoint path: String, data: String) -> (ModelPictures, ImageSet) {
    let loaded = loadCheckpoint(path)
    let test = loadTestSet(data, for: loaded, path: path)
    return (ModelPictures(model: loadModel(loaded), seed: loaded.seed, width: test.columns, height: test.rows), test)
}

/// Image sides for a model: the data's, or the square root of the input size.
func imageSides(_ checkpoint: Checkpoint) -> (width: Int, height: Int)? {
    let side = Int(Double(checkpoint.architecture.inputSize).squareRoot().rounded())
    return side * side == checkpoint.architecture.inputSize ? (side, side) : nil
}

func write(_ image: GridImage, to path: String) {
    do {
        try image.write(to: path)
    } catch {
        exitWithError(error.description)
    }
    print("wrote \(path) (\(image.width)x\(image.height))")
}

func exitWithError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("vae-dist: error: \(message)\n".utf8))
    exit(1)
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Decode z ~ N(0, I) into a grid PNG.")

    @Argument(help: "A checkpoint file.") var checkpoint: String
    @Option(help: "Images to generate.") var count: Int = 64
    @Option(help: "Images per row of the grid.") var columns: Int = 8
    @Option(help: "Output PNG.") var out: String = "samples.png"
    @Option(help: "Seed for z (default: the checkpoint's, which training's samples.png uses).") var seed: UInt64?

    func validate() throws {
        guard count > 0, count <= 4096 else { throw ValidationError("--count must be between 1 and 4096 (got \(count))") }
        guard columns > 0 else { throw ValidationError("--columns must be positive (got \(columns))") }
    }

    func run() throws {
        let loaded = loadCheckpoint(checkpoint)
        guard let sides = imageSides(loaded) else { exitWithError("\(checkpoint): the model's \(loaded.architecture.inputSize) outputs are not a square image") }
        let pictures = ModelPictures(model: loadModel(loaded), seed: seed ?? loaded.seed, width: sides.width, height: sides.height)
        write(pictures.samples(count: count, columns: columns), to: out)
    }
}

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Test images and their reconstructions, side by side in one PNG.")

    @Argument(help: "A checkpoint file.") var checkpoint: String
    @Option(help: "MNIST-format directory.") var data: String = MNISTDirectory.defaultPath
    @Option(help: "Test images to reconstruct (the first ones).") var count: Int = 32
    @Option(help: "Output PNG.") var out: String = "recon.png"

    func validate() throws {
        guard count > 0, count <= 4096 else { throw ValidationError("--count must be between 1 and 4096 (got \(count))") }
    }

    func run() throws {
        let (pictures, test) = picturesAndTestSet(checkpoint: checkpoint, data: data)
        write(pictures.reconstructions(of: test, count: count), to: out)
    }
}

struct Manifold: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The learned manifold: a grid over a 2-D latent plane, or a traversal of each latent dimension.",
        discussion: "For --latent 2 models, decodes a STEPSxSTEPS grid of codes at the Gaussian's quantiles (Kingma & Welling's figure). For larger latents, row j varies dimension j through the same quantiles around the first test image's mean code.")

    @Argument(help: "A checkpoint file.") var checkpoint: String
    @Option(help: "MNIST-format directory (for the traversal's center image).") var data: String = MNISTDirectory.defaultPath
    @Option(help: "Quantiles per axis.") var steps: Int = 20
    @Option(help: "Output PNG.") var out: String = "manifold.png"

    func validate() throws {
        guard steps >= 2, steps <= 100 else { throw ValidationError("--steps must be between 2 and 100 (got \(steps))") }
    }

    func run() throws {
        let (pictures, test) = picturesAndTestSet(checkpoint: checkpoint, data: data)
        write(pictures.manifold(steps: steps, around: test), to: out)
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the model's weights alone (PyTorch names) as safetensors, for load_state_dict or train --init.")

    @Argument(help: "A checkpoint file.") var checkpoint: String
    @Option(help: "Output safetensors file.") var out: String = "model.safetensors"

    func run() throws {
        let loaded = loadCheckpoint(checkpoint)
        do {
            try Files.writeAtomically(ModelFile.encoded(architecture: loaded.architecture, objective: loaded.objective,
                                                        parameters: loaded.parameters), to: out)
        } catch {
            exitWithError(error.description)
        }
        print("wrote \(out) (\(loaded.architecture), \(loaded.parameters.count) parameters)")
    }
}
