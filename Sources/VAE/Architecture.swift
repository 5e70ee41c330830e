/// The shape of an MLP VAE: input size, encoder widths (the decoder mirrors
/// them), latent size, and whether the decoder has a learned log-variance
/// vector. `Architecture(inputSize: 784, hidden: [400], latent: 20)` is the
/// pytorch/examples VAE.
public struct Architecture: Equatable, Sendable, CustomStringConvertible {
    public let inputSize: Int
    public let hidden: [Int]
    public let latent: Int
    /// Whether the decoder has a per-feature log σ² (`decoder_logvar`,
    /// `inputSize` floats, independent of z): the Gaussian decoder's
    /// (``Reconstruction/gaussian``). It is part of the architecture, not
    /// only of the loss, because it changes the parameter layout; the other
    /// reconstructions share one layout, so a model trained with one can be
    /// scored with another.
    public let hasDecoderLogVariance: Bool

    public init(inputSize: Int, hidden: [Int], latent: Int, hasDecoderLogVariance: Bool = false) {
        precondition(inputSize > 0 && latent > 0 && hidden.allSatisfy { $0 > 0 }, "architecture sizes must be positive")
        self.inputSize = inputSize
        self.hidden = hidden
        self.latent = latent
        self.hasDecoderLogVariance = hasDecoderLogVariance
    }

    /// `784-400-20`: the widths from input to latent, as papers write them;
    /// `784-400-20+logvar` when the decoder has its log-variance vector.
    public var description: String {
        let widths = ([inputSize] + hidden + [latent]).map(String.init).joined(separator: "-")
        return hasDecoderLogVariance ? widths + "+logvar" : widths
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
