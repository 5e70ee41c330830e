import SystemIO
import Tensors
import VAE

/// Model weights alone, for use elsewhere: `vae-dist export` writes them,
/// `vae-dist train --init` reads them.
///
/// The file is safetensors with PyTorch's names and shapes, so
/// `load_state_dict` takes it as it is, and `--init` takes any safetensors
/// file with those tensors: a vae-dist export or checkpoint, or PyTorch's
/// `save_file(model.state_dict(), ...)` of the README's `VAE` class. Its
/// metadata is informative only (PyTorch's files have none), so reading
/// checks the tensors against the architecture the caller expects.
public enum ModelFile {
    public static let formatName = "vae-dist-model"

    /// The model's tensors, and (`data.shift`, `data.scale`) the
    /// normalization it expects its inputs in, with the input's shape and
    /// dtype in the metadata, so a PyTorch user can prepare data the same way.
    public static func encoded(architecture: Architecture, objective: Objective, parameters: Vector,
                               input: InputFormat? = nil) -> [UInt8] {
        var metadata = ArchitectureMetadata.fields(of: architecture)
        metadata["format"] = formatName
        metadata["reconstruction"] = objective.reconstruction.rawValue
        if let input {
            metadata["input_shape"] = input.shapeField
            metadata["input_dtype"] = input.elementField
            metadata["normalize"] = input.normalization.mode.rawValue
            metadata["binarize"] = input.binarize ? "1" : "0"
        }
        let tensors = ModelTensors(architecture).tensors(
            ModelTensors.Vectors(parameters: parameters, normalization: input?.normalization.vectors))
        return SafeTensors.encode(tensors, metadata: metadata)
    }

    /// Reads the file at `path` with ``decode(_:path:into:architecture:)``,
    /// for `train --init`.
    public static func load(_ path: String, into parameters: Vector, architecture: Architecture) throws(CheckpointError) {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        try decode(bytes, path: path, into: parameters, architecture: architecture)
    }

    /// Reads every tensor of `architecture` by name into `parameters`,
    /// checking dtype and shape; optimizer tensors are ignored, any other
    /// unknown tensor is an error (it is not a model of this kind).
    /// `parameters` is changed only when the whole file checks out.
    public static func decode(_ file: [UInt8], path: String, into parameters: Vector,
                              architecture: Architecture) throws(CheckpointError) {
        let contents: SafeTensors.Contents
        do {
            contents = try SafeTensors.decode(file)
        } catch {
            throw .malformed(path: path, reason: error.description)
        }
        do throws(ModelTensors.Mismatch) {
            try ModelTensors(architecture).read(contents, into: ModelTensors.Vectors(parameters: parameters))
        } catch {
            throw .incompatible(path: path, purpose: .initialize, reason: error.description)
        }
    }
}
