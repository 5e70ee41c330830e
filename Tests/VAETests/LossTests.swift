import Testing
import Tensors
@testable import VAE

/// A 2-pixel, 1-latent VAE with no hidden layer, weights set by hand, so every
/// intermediate value can be checked on paper:
///
///     row 1: x = [1, 0], ε = 2     row 2: x = [0, 1], ε = −1
///     μ = 0.5·x₀ − 0.5·x₁ + 0.1            → 0.6, −0.4
///     log σ² = ln 0.25 (weights 0)          → σ = 0.5
///     z = μ + σ·ε                           → 1.6, −0.9
///     logits = [z, −z + 0.4]                → [1.6, −1.2], [−0.9, 1.3]
///     BCE = −ln σ(1.6) − ln(1 − σ(−1.2))    = 0.183950 + 0.263233 = 0.447183
///         + −ln(1 − σ(−0.9)) − ln σ(1.3)    = 0.582162  (row 2)
///     KL = −½(1 + ln 0.25 − μ² − 0.25)      = 0.498147, 0.398147
@Suite struct LossTests {
    func handModel() -> (VariationalAutoencoder, VariationalAutoencoder.Batch) {
        let model = VariationalAutoencoder(architecture: Architecture(inputSize: 2, hidden: [], latent: 1), batchCapacity: 2)
        func set(_ name: String, _ values: [Float]) {
            let tensor = model.layout.tensors.first { $0.name == name }!
            for (index, value) in values.enumerated() { model.parameters[tensor.offset + index] = value }
        }
        set("fc_mu.weight", [0.5, -0.5])
        set("fc_mu.bias", [0.1])
        set("fc_logvar.weight", [0, 0])
        set("fc_logvar.bias", [Float.log(0.25)])
        set("decoder.0.weight", [1, -1])
        set("decoder.0.bias", [0, 0.4])
        let batch = model.batch(rows: 2)
        batch.input.flattened.copy(from: [1, 0, 0, 1])
        batch.noise.flattened.copy(from: [2, -1])
        return (model, batch)
    }

    @Test func bceAndKLMatchTheHandComputation() {
        let (model, batch) = handModel()
        let terms = model.loss(batch, objective: Objective(reconstruction: .bce, beta: 1))
        #expect(abs(terms.reconstruction - 1.029346) < 1e-5)
        #expect(abs(terms.kl - 0.896294) < 1e-5)
        #expect(abs(terms.loss - (1.029346 + 0.896294)) < 1e-5)
        let outputs = model.outputs(rows: 2)
        #expect(abs(outputs[0, 0] - 0.832018) < 1e-6)
        #expect(abs(outputs[0, 1] - 0.231475) < 1e-6)
    }

    @Test func betaWeightsOnlyTheKLTerm() {
        let (model, batch) = handModel()
        let terms = model.loss(batch, objective: Objective(reconstruction: .bce, beta: 0.5))
        #expect(abs(terms.loss - (1.029346 + 0.5 * 0.896294)) < 1e-5)
        #expect(abs(terms.kl - 0.896294) < 1e-5)
    }

    @Test func mseSumsSquaredErrorOfTheProbabilities() {
        let (model, batch) = handModel()
        let terms = model.loss(batch, objective: Objective(reconstruction: .mse, beta: 1))
        // Row 1: (σ(1.6) − 1)² + σ(−1.2)² = 0.081799; row 2: σ(−0.9)² + (σ(1.3) − 1)² = 0.083000.
        let row2 = pow2(1 / (1 + Float.exp(0.9))) + pow2(1 / (1 + Float.exp(-1.3)) - 1)
        #expect(abs(terms.reconstruction - (0.081799 + Double(row2))) < 1e-5)
    }

    /// One importance weight is the one-sample ELBO with the same noise, the
    /// KL term sampled: for row 1 (x = [1, 0], ε = 2, z = 1.6),
    /// log w = −BCE + (−½z² + ½ log σ² + ½ε²) = −0.447183 + (−1.28 − 0.693147 + 2) = −0.420330.
    @Test func importanceWeightIsTheOneSampleELBO() {
        let (model, _) = handModel()
        let batch = model.batch(rows: 2)
        batch.input.flattened.copy(from: [1, 0, 1, 0])
        batch.noise.flattened.copy(from: [2, -1])
        let weights = model.logImportanceWeights(batch)
        #expect(abs(weights[0] - -0.420330) < 1e-5)
        // Row 2, same image, ε = −1: z = 0.1; logits [0.1, 0.3]; −BCE = ln σ(0.1) + ln(1 − σ(0.3)) = −0.644397 − 0.854355
        // prior ratio = −0.005 − 0.693147 + 0.5 = −0.198147.
        #expect(abs(weights[1] - (-0.644397 - 0.854355 - 0.198147)) < 1e-5)
    }

    /// Where the loss is flat the gradient is exactly zero: with the decoder's
    /// weights and biases zero, every logit is 0 and σ(0) = 0.5 exactly, so
    /// for inputs of 0.5 the BCE gradient σ(l) − x vanishes, and β = 0
    /// removes the KL term; nothing flows back to any parameter.
    @Test func gradientIsZeroWhereTheLossIsFlat() {
        let (model, batch) = handModel()
        for tensor in model.layout.tensors where tensor.name.hasPrefix("decoder.") {
            for index in tensor.offset..<(tensor.offset + tensor.count) { model.parameters[index] = 0 }
        }
        batch.input.flattened.fill(0.5)
        _ = model.lossAndGradients(batch, objective: Objective(reconstruction: .bce, beta: 0))
        #expect(model.gradients.array.allSatisfy { $0 == 0 }, "\(model.gradients.array)")
    }

    @Test func aGenericBatchHasANonZeroGradient() {
        let (model, batch) = handModel()
        _ = model.lossAndGradients(batch, objective: Objective(reconstruction: .bce, beta: 0))
        #expect(model.gradients.array.contains { $0 != 0 }, "a generic batch must give a non-zero gradient")
    }
}

private func pow2(_ x: Float) -> Float { x * x }
