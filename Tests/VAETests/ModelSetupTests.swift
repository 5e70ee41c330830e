import Randomness
import Tensors
import Testing
@testable import VAE

@Suite struct ModelSetupTests {
    @Test func layoutUsesPyTorchNamesAndShapes() {
        let layout = ParameterLayout(Architecture(inputSize: 784, hidden: [400], latent: 20))
        #expect(layout.tensors.map(\.name) == [
            "encoder.0.weight", "encoder.0.bias", "fc_mu.weight", "fc_logvar.weight", "fc_mu.bias", "fc_logvar.bias",
            "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias",
        ])
        #expect(layout.tensors.first { $0.name == "encoder.0.weight" }?.shape == [400, 784])
        #expect(layout.tensors.first { $0.name == "decoder.2.weight" }?.shape == [784, 400])
        // pytorch/examples' VAE: 784·400+400 + 2·(400·20+20) + 20·400+400 + 400·784+784.
        #expect(layout.count == 652_824)
    }

    @Test func deeperModelsNumberTheirLinearLayersLikeNNSequential() {
        let layout = ParameterLayout(Architecture(inputSize: 784, hidden: [128, 64], latent: 8))
        let names = layout.tensors.map(\.name).filter { $0.hasSuffix("weight") }
        #expect(names == ["encoder.0.weight", "encoder.2.weight", "fc_mu.weight", "fc_logvar.weight",
                          "decoder.0.weight", "decoder.2.weight", "decoder.4.weight"])
        #expect(layout.tensors.first { $0.name == "decoder.0.weight" }?.shape == [64, 8])
        // Tensors tile the buffer exactly.
        let sorted = layout.tensors.sorted { $0.offset < $1.offset }
        var next = 0
        for tensor in sorted {
            #expect(tensor.offset == next)
            next += tensor.count
        }
        #expect(next == layout.count)
    }

    @Test func initializationFollowsPyTorchsLinearBounds() {
        let architecture = Architecture(inputSize: 100, hidden: [25], latent: 4)
        let model = VariationalAutoencoder(architecture: architecture, batchCapacity: 1)
        var generator = SplitMix64(seed: 5)
        model.initializeParameters(using: &generator)
        for tensor in model.layout.tensors {
            let fanIn = tensor.name.hasPrefix("encoder.0") ? 100 : tensor.name.hasPrefix("decoder.0") ? 4 : 25
            let bound = 1 / Float(fanIn).squareRoot()
            let values = model.parameters.slice(from: tensor.offset, count: tensor.count).array
            #expect(values.allSatisfy { abs($0) <= bound }, "\(tensor.name) exceeds ±1/√\(fanIn)")
            if tensor.count >= 100 {
                #expect(values.contains { abs($0) > 0.8 * bound }, "\(tensor.name) does not span its range")
            }
        }
    }

    @Test func counterNoiseIsStandardNormalAndAddressable() {
        let noise = CounterGaussian(seed: 11, stream: 3)
        let buffer = FloatBuffer(count: 20)
        var sum = 0.0, sumOfSquares = 0.0
        let positions = 10_000
        for position in 0..<positions {
            buffer.all.withMutableSpan { noise.fill(&$0, position: position) }
            for value in buffer.all.array {
                sum += Double(value)
                sumOfSquares += Double(value * value)
            }
        }
        let n = Double(positions * 20)
        #expect(abs(sum / n) < 0.01)
        #expect(abs(sumOfSquares / n - 1) < 0.02)

        let again = FloatBuffer(count: 20)
        again.all.withMutableSpan { noise.fill(&$0, position: positions - 1) }
        #expect(again.all.array == buffer.all.array, "the same address gives the same numbers")
        again.all.withMutableSpan { noise.fill(&$0, position: positions - 2) }
        #expect(again.all.array != buffer.all.array)
        again.all.withMutableSpan { CounterGaussian(seed: 11, stream: 4).fill(&$0, position: positions - 1) }
        #expect(again.all.array != buffer.all.array, "another stream gives other numbers")
    }
}
