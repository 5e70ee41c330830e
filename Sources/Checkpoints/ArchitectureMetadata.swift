import VAE

/// How vae-dist's files record the model's shape in `__metadata__`:
/// `input_size`, `hidden` (comma-separated widths), `latent`, and
/// `architecture` (`784-400-20`, for people reading the header), plus the
/// objective's `reconstruction` (a `gaussian` model also has the
/// `decoder_logvar` tensor).
///
/// Reading is where a hostile header would do damage, so it refuses sizes
/// that are not positive, whose parameter count overflows, or whose tensors
/// could not fit in the file's data section, before anything is allocated.
enum ArchitectureMetadata {
    static func fields(of architecture: Architecture) -> [String: String] {
        [
            "architecture": architecture.description,
            "input_size": String(architecture.inputSize),
            "hidden": architecture.hidden.map(String.init).joined(separator: ","),
            "latent": String(architecture.latent),
        ]
    }

    /// The recorded architecture, provided `copies` float32 copies of its
    /// parameters fit in `dataBytes` (a checkpoint holds the parameters and
    /// Adam's two moments: three copies).
    static func architecture(in metadata: MetadataFields, copies: Int,
                             dataBytes: Int) throws(MetadataFields.Invalid) -> Architecture {
        let inputSize = try metadata.integer("input_size", in: 1...Int.max)
        let hidden = try metadata.positiveIntegers("hidden")
        let latent = try metadata.integer("latent", in: 1...Int.max)
        // A Gaussian decoder's log-variance vector is part of the layout; the
        // objective's `reconstruction` field says whether the model has it.
        let hasLogVariance = metadata.values["reconstruction"] == Reconstruction.gaussian.rawValue
        let architecture = Architecture(inputSize: inputSize, hidden: hidden, latent: latent,
                                        hasDecoderLogVariance: hasLogVariance)
        let described = try metadata.string("architecture")
        let name = HeaderJSON.quoted(architecture.description)
        guard described == architecture.description else {
            throw .init(description: "metadata field architecture is \(HeaderJSON.quoted(described)), but input_size, hidden and latent give \(name)")
        }
        let bytes = architecture.checkedParameterCount.map { $0.multipliedReportingOverflow(by: 4 * copies) }
        guard let bytes, !bytes.overflow, bytes.partialValue <= dataBytes else {
            throw .init(description: "metadata claims a \(name) model, whose tensors cannot fit in the file's \(dataBytes) bytes of data")
        }
        return architecture
    }
}
