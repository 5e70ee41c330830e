import Tensors
import VAE

/// The tensors vae-dist's files hold for one architecture, in the order they
/// are written: the model's, under PyTorch's names and shapes
/// (``ParameterLayout`` order), then, in checkpoints, Adam's moments
/// `optimizer.exp_avg` and `optimizer.exp_avg_sq` (flat, in parameter order).
///
/// Checkpoints and model files both write and read through this one list,
/// so the names, the order and the dtype and shape checks exist once.
struct ModelTensors {
    static let firstMomentName = "optimizer.exp_avg"
    static let secondMomentName = "optimizer.exp_avg_sq"

    /// Why a file's tensors are not this architecture's. The description
    /// names the tensor (and both shapes) in one line.
    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    let architecture: Architecture
    let layout: ParameterLayout

    init(_ architecture: Architecture) {
        self.architecture = architecture
        layout = ParameterLayout(architecture)
    }

    /// The flat vectors a file's tensors come from or go to: the parameters
    /// and, for checkpoints, Adam's moments (each `layout.count` long).
    struct Vectors {
        var parameters: Vector
        /// `--normalize`'s shift and scale (`data.shift`, `data.scale`, each
        /// of `inputSize`), after the model's tensors; nil: none.
        var normalization: (shift: Vector, scale: Vector)?
        var moments: (first: Vector, second: Vector)?

        init(parameters: Vector, normalization: (shift: Vector, scale: Vector)? = nil,
             moments: (first: Vector, second: Vector)? = nil) {
            self.parameters = parameters
            self.normalization = normalization
            self.moments = moments
        }
    }

    /// Every tensor in file order, with the slice of `vectors` it holds.
    private func slots(_ vectors: Vectors) -> [(name: String, shape: [Int], values: Vector)] {
        precondition(vectors.parameters.count == layout.count, "parameter vector does not match the layout")
        var slots = layout.tensors.map { tensor in
            (tensor.name, tensor.shape, vectors.parameters.slice(from: tensor.offset, count: tensor.count))
        }
        if let (shift, scale) = vectors.normalization {
            precondition(shift.count == architecture.inputSize && scale.count == architecture.inputSize,
                         "normalization vectors do not match the input size")
            slots.append((Normalization.shiftTensorName, [architecture.inputSize], shift))
            slots.append((Normalization.scaleTensorName, [architecture.inputSize], scale))
        }
        if let (first, second) = vectors.moments {
            precondition(first.count == layout.count && second.count == layout.count, "moment vectors do not match the layout")
            slots.append((Self.firstMomentName, [layout.count], first))
            slots.append((Self.secondMomentName, [layout.count], second))
        }
        return slots
    }

    func tensors(_ vectors: Vectors) -> [SafeTensors.Tensor] {
        slots(vectors).map { SafeTensors.Tensor(name: $0.name, shape: $0.shape, bytes: $0.values.littleEndianBytes) }
    }

    /// Checks that `contents` holds exactly these tensors, as F32 with these
    /// shapes, then copies them into `vectors`. Without moments (or a
    /// normalization), `optimizer.` (or `data.`) tensors are ignored (a
    /// checkpoint can initialize a model); any other
    /// unknown tensor means the file is not a model of this kind.
    /// `inWrittenPlaces` also requires each tensor's bytes where `tensors`
    /// puts them, so the header holds nothing the architecture does not fix.
    func read(_ contents: SafeTensors.Contents, into vectors: Vectors, inWrittenPlaces: Bool = false) throws(Mismatch) {
        let slots = slots(vectors)
        let known = Set(slots.map(\.name))
        let unknown = contents.entries.keys
            .filter { !known.contains($0) && (vectors.moments != nil || !$0.hasPrefix("optimizer."))
                && (vectors.normalization != nil || !$0.hasPrefix("data.")) }
            .min { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if let unknown {
            throw Mismatch(description: "it holds a tensor \(HeaderJSON.quoted(unknown)) that a \(architecture) VAE does not have")
        }
        var entries = [SafeTensors.Entry]()
        var offset = 0
        for slot in slots {
            guard let entry = contents.entries[slot.name] else {
                throw Mismatch(description: "tensor \(slot.name) is missing")
            }
            guard entry.dtype == "F32" else {
                throw Mismatch(description: "tensor \(slot.name) is \(entry.dtype); vae-dist reads F32")
            }
            guard entry.shape == slot.shape else {
                throw Mismatch(description: "tensor \(slot.name) is \(entry.shape), a \(architecture) VAE needs \(slot.shape)")
            }
            let place = offset..<(offset + entry.range.count)
            guard !inWrittenPlaces || entry.range == place else {
                throw Mismatch(description: "tensor \(slot.name) is at bytes \(entry.range) of the data, vae-dist writes it at \(place)")
            }
            offset = place.upperBound
            entries.append(entry)
        }
        for (slot, entry) in zip(slots, entries) {
            slot.values.load(littleEndianBytes: contents.bytes(of: entry))
        }
    }
}
