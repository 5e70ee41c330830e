/// The shape of an MLP VAE: input size, encoder widths (the decoder mirrors
/// them), latent size. `Architecture(inputSize: 784, hidden: [400], latent: 20)`
/// is the pytorch/examples VAE.
public struct Architecture: Equatable, Sendable, CustomStringConvertible {
    public let inputSize: Int
    public let hidden: [Int]
    public let latent: Int

    public init(inputSize: Int, hidden: [Int], latent: Int) {
        precondition(inputSize > 0 && latent > 0 && hidden.allSatisfy { $0 > 0 }, "architecture sizes must be positive")
        self.inputSize = inputSize
        self.hidden = hidden
        self.latent = latent
    }

    /// `784-400-20`: the widths from input to latent, as papers write them.
    public var description: String {
        ([inputSize] + hidden + [latent]).map(String.init).joined(separator: "-")
    }

    /// Encoder layers as (in, out), input first.
    var encoderShapes: [(input: Int, output: Int)] {
        let widths = [inputSize] + hidden
        return zip(widths, widths.dropFirst()).map { ($0, $1) }
    }

    /// Decoder layers as (in, out), latent first; the last one produces logits.
    var decoderShapes: [(input: Int, output: Int)] {
        let widths = [latent] + hidden.reversed() + [inputSize]
        return zip(widths, widths.dropFirst()).map { ($0, $1) }
    }

    /// Width feeding the μ / log σ² heads.
    var encoderOutputSize: Int { hidden.last ?? inputSize }
}
