import Randomness
import Tensors
import Testing
@testable import VAE

/// The models that existed before the Gaussian and absolute-error decoders
/// keep their layout, tensor names, parameter count, initialization and
/// losses, so checkpoints written before the change load and score the same.
/// The figures were recorded at d34c57f, before the change (they then
/// matched to the last bit; the tolerance only allows for another BLAS).
@Suite struct ExistingModelRegressionTests {
    static let architecture = Architecture(inputSize: 6, hidden: [5, 4], latent: 3)

    @Test func aPlainArchitectureIsTheOneWithoutALogVariance() {
        #expect(Self.architecture == Architecture(inputSize: 6, hidden: [5, 4], latent: 3, hasDecoderLogVariance: false))
        #expect(!Self.architecture.hasDecoderLogVariance)
        #expect(Architecture(inputSize: 784, hidden: [400], latent: 20).description == "784-400-20")
        #expect(Architecture(inputSize: 784, hidden: [400], latent: 20).checkedParameterCount == 652_824)
    }

    @Test func layoutNamesShapesAndOffsetsAreUnchanged() {
        let layout = ParameterLayout(Self.architecture)
        #expect(layout.tensors.map { "\($0.name) \($0.shape) \($0.offset)" } == [
            "encoder.0.weight [5, 6] 0", "encoder.0.bias [5] 30", "encoder.2.weight [4, 5] 35", "encoder.2.bias [4] 55",
            "fc_mu.weight [3, 4] 59", "fc_logvar.weight [3, 4] 71", "fc_mu.bias [3] 83", "fc_logvar.bias [3] 86",
            "decoder.0.weight [4, 3] 89", "decoder.0.bias [4] 101", "decoder.2.weight [5, 4] 105", "decoder.2.bias [5] 125",
            "decoder.4.weight [6, 5] 130", "decoder.4.bias [6] 160",
        ])
        #expect(layout.count == 166)
        #expect(VariationalAutoencoder(architecture: Self.architecture, batchCapacity: 1).decoderOffset == 89)
    }

    /// (loss, reconstruction, KL, Σ gradient, Σ gradient², Σ parameters, Σ outputs) with β = 0.5.
    @Test(arguments: [
        (Reconstruction.bce, [18.001962766051292, 17.4575252532959, 1.088875025510788, 7.085200077679474,
                              6.945318518677818, 2.11880786716938, 12.250305831432343]),
        (Reconstruction.mse, [3.17949078977108, 2.635053277015686, 1.088875025510788, 5.1796257070527645,
                              3.698329666734746, 2.11880786716938, 12.250305831432343]),
    ])
    func lossGradientsAndOutputsAreUnchanged(reconstruction: Reconstruction, recorded: [Double]) {
        let model = VariationalAutoencoder(architecture: Self.architecture, batchCapacity: 4)
        var generator = SplitMix64(seed: 42)
        model.initializeParameters(using: &generator)
        let batch = model.batch(rows: 4)
        for index in 0..<batch.input.count { batch.input.flattened[index] = generator.nextFloat(in: 0..<1) }
        let noise = CounterGaussian(seed: 3, stream: 0)
        for row in 0..<4 {
            batch.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: row) }
        }
        let terms = model.lossAndGradients(batch, objective: Objective(reconstruction: reconstruction, beta: 0.5))
        let gradients = model.gradients.array.map(Double.init)
        let figures = [terms.loss, terms.reconstruction, terms.kl, gradients.reduce(0, +), gradients.map { $0 * $0 }.reduce(0, +),
                       model.parameters.array.map(Double.init).reduce(0, +),
                       model.outputs(rows: 4).flattened.array.map(Double.init).reduce(0, +)]
        for (index, (figure, expected)) in zip(figures, recorded).enumerated() {
            #expect(abs(figure - expected) <= 1e-6 * abs(expected), "figure \(index): \(figure), recorded \(expected)")
        }
    }
}
