import SystemIO
import Tensors
import VAE

/// Model weights alone, for use elsewhere: `vae-dist export` writes them,
/// `vae-dist train --init` reads them.
///
/// The file is safetensors with PyTorch's names and shapes, so
/// `load_state_dict` takes it as it is, and `--init` takes any safetensors
/// file with those tensors: a vae-dist export or checkpoint, or PyTorch's
/// `save_file(model.state_dict(), ...)` of the README's `VAE` class.
public enum ModelFile {
    public static let formatName = "vae-dist-model"

    public static func encoded(architecture: Architecture, objective: Objective, parameters: Vector) -> [UInt8] {
        let tensors = ParameterLayout(architecture).tensors.map { tensor in
            SafeTensors.Tensor(name: tensor.name, shape: tensor.shape,
                               bytes: parameters.slice(from: tensor.offset, count: tensor.count).littleEndianBytes)
        }
        return SafeTensors.encode(tensors, metadata: [
            "format": formatName,
            "architecture": architecture.description,
            "input_size": String(architecture.inputSize),
            "hidden": architecture.hidden.map(String.init).joined(separator: ","),
            "latent": String(architecture.latent),
            "reconstruction": objective.reconstruction.rawValue,
        ])
    }

    /// Reads every tensor of `architecture` by name into `parameters`,
    /// checking dtype and shape; optimizer tensors are ignored, any other
    /// unknown tensor is an error (it is not a model of this kind).
    public static func load(_ path: String, into parameters: Vector, architecture: Architecture) throws(CheckpointError) {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        let contents: SafeTensors.Contents
        do {
            contents = try SafeTensors.decode(bytes)
        } catch {
            throw .malformed(path: path, reason: error.description)
        }
        let layout = ParameterLayout(architecture)
        let expected = Set(layout.tensors.map(\.name))
        if let unknown = contents.entries.keys.sorted().first(where: { !expected.contains($0) && !$0.hasPrefix("optimizer.") }) {
            throw .incompatible(path: path, reason: "it holds a tensor \(unknown) that a \(architecture) VAE does not have")
        }
        for tensor in layout.tensors {
            guard let entry = contents.entries[tensor.name] else {
                throw .incompatible(path: path, reason: "tensor \(tensor.name) is missing")
            }
            guard entry.dtype == "F32" else {
                throw .incompatible(path: path, reason: "tensor \(tensor.name) is \(entry.dtype); vae-dist reads F32")
            }
            guard entry.shape == tensor.shape else {
                throw .incompatible(path: path, reason: "tensor \(tensor.name) is \(entry.shape), a \(architecture) VAE needs \(tensor.shape)")
            }
            let start = contents.data.startIndex + entry.range.lowerBound
            parameters.slice(from: tensor.offset, count: tensor.count)
                .load(littleEndianBytes: contents.data[start..<(start + entry.range.count)])
        }
    }
}
