import Randomness
import Tensors
import Testing
@testable import VAE

/// Where a Gaussian decoder's log σ² lives: one `[inputSize]` tensor named
/// `decoder_logvar`, after everything else, so the rest of the layout is the
/// plain architecture's and the decoder's block still runs to the end.
@Suite struct DecoderLogVarianceLayoutTests {
    static let plain = Architecture(inputSize: 784, hidden: [128, 64], latent: 8)
    static let gaussian = Architecture(inputSize: 784, hidden: [128, 64], latent: 8, hasDecoderLogVariance: true)

    @Test func decoderLogVarianceComesLast() throws {
        let layout = ParameterLayout(Self.gaussian)
        let plainLayout = ParameterLayout(Self.plain)
        let last = try #require(layout.tensors.last)
        #expect(last == NamedTensor(name: "decoder_logvar", shape: [784], offset: plainLayout.count))
        #expect(layout.count == plainLayout.count + 784)
        #expect(Array(layout.tensors.dropLast()) == plainLayout.tensors, "everything before it is the plain layout")
        #expect(layout.tensors.map(\.offset).max() == last.offset, "nothing after it")
        #expect(Self.gaussian.checkedParameterCount == layout.count)
    }

    @Test func theDecoderBlockStillRunsToTheEnd() {
        let plain = VariationalAutoencoder(architecture: Self.plain, batchCapacity: 1)
        let gaussian = VariationalAutoencoder(architecture: Self.gaussian, batchCapacity: 1)
        #expect(gaussian.decoderOffset == plain.decoderOffset)
        let decoderTensors = gaussian.layout.tensors.filter { $0.offset >= gaussian.decoderOffset }.map(\.name)
        #expect(decoderTensors == ["decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias",
                                   "decoder.4.weight", "decoder.4.bias", "decoder_logvar"])
    }

    @Test func architectureTellsTheTwoApart() {
        #expect(Self.gaussian != Self.plain)
        #expect(Self.gaussian.description == "784-128-64-8+logvar")
        #expect(Self.plain.description == "784-128-64-8")
    }

    /// log σ² starts at 0 and draws no random numbers: the layers get the
    /// same initial values as in the plain model.
    @Test func logVarianceStartsAtZeroAndLeavesTheLayersInitializationAlone() {
        let plain = VariationalAutoencoder(architecture: Self.plain, batchCapacity: 1)
        let gaussian = VariationalAutoencoder(architecture: Self.gaussian, batchCapacity: 1)
        var first = SplitMix64(seed: 8), second = SplitMix64(seed: 8)
        plain.initializeParameters(using: &first)
        gaussian.parameters.fill(7)
        gaussian.initializeParameters(using: &second)
        let count = plain.parameters.count
        #expect(gaussian.parameters.slice(from: 0, count: count).array == plain.parameters.array)
        #expect(gaussian.parameters.slice(from: count, count: 784).array.allSatisfy { $0 == 0 })
    }
}
