/// One tensor of the model as PyTorch names and shapes it, and where it lives
/// in the flat parameter (and gradient) buffer.
public struct NamedTensor: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int

    public var count: Int { shape.reduce(1, *) }
}

/// Where every layer's weight and bias live in the one flat buffer.
///
/// Names follow the seed's PyTorch `VAE` class (`encoder.0.weight`,
/// `fc_mu.bias`, `decoder.2.weight`, ...: Linear layers at their
/// `nn.Sequential` indices with ReLUs between), so a checkpoint loads with
/// `load_state_dict`. `fc_mu` and `fc_logvar` are stored back to back (weights,
/// then biases) so the two heads run as one GEMM.
///
/// A Gaussian decoder's log-variance vector (`decoder_logvar`, shape
/// `[inputSize]`, PyTorch's name for an `nn.Parameter` attribute of that
/// name) comes last, after the decoder's layers: the decoder's parameters
/// stay one block running to the end of the buffer, and every other
/// architecture keeps its layout, names and checkpoint bytes.
public struct ParameterLayout: Sendable {
    public let architecture: Architecture
    public let tensors: [NamedTensor]
    public let count: Int

    let encoder: [LayerSlot]
    let head: LayerSlot
    let decoder: [LayerSlot]
    /// Where `decoder_logvar` starts, if the architecture has it.
    let decoderLogVarianceOffset: Int?

    struct LayerSlot: Sendable {
        let input: Int
        let output: Int
        let weightOffset: Int
        let biasOffset: Int
    }

    public init(_ architecture: Architecture) {
        self.architecture = architecture
        var offset = 0
        var tensors = [NamedTensor]()

        func linear(_ name: String, _ input: Int, _ output: Int) -> LayerSlot {
            let slot = LayerSlot(input: input, output: output, weightOffset: offset, biasOffset: offset + input * output)
            tensors.append(NamedTensor(name: "\(name).weight", shape: [output, input], offset: slot.weightOffset))
            tensors.append(NamedTensor(name: "\(name).bias", shape: [output], offset: slot.biasOffset))
            offset += input * output + output
            return slot
        }

        encoder = architecture.encoderShapes.enumerated().map { index, shape in
            linear("encoder.\(2 * index)", shape.input, shape.output)
        }

        let width = architecture.encoderOutputSize
        let latent = architecture.latent
        head = LayerSlot(input: width, output: 2 * latent, weightOffset: offset, biasOffset: offset + 2 * latent * width)
        tensors.append(NamedTensor(name: "fc_mu.weight", shape: [latent, width], offset: offset))
        tensors.append(NamedTensor(name: "fc_logvar.weight", shape: [latent, width], offset: offset + latent * width))
        tensors.append(NamedTensor(name: "fc_mu.bias", shape: [latent], offset: head.biasOffset))
        tensors.append(NamedTensor(name: "fc_logvar.bias", shape: [latent], offset: head.biasOffset + latent))
        offset += 2 * latent * width + 2 * latent

        decoder = architecture.decoderShapes.enumerated().map { index, shape in
            linear("decoder.\(2 * index)", shape.input, shape.output)
        }

        if architecture.hasDecoderLogVariance {
            decoderLogVarianceOffset = offset
            tensors.append(NamedTensor(name: "decoder_logvar", shape: [architecture.inputSize], offset: offset))
            offset += architecture.inputSize
        } else {
            decoderLogVarianceOffset = nil
        }

        self.tensors = tensors
        count = offset
    }
}
