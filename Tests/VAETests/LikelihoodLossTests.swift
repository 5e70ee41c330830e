import RealModule
import Tensors
import Testing
@testable import VAE

/// The absolute-error and Gaussian reconstructions on ``LossTests``' 2-pixel
/// hand model, whose decoder outputs (identity) are
///
///     row 1: x = [1, 0], μ = [1.6, −1.2]      row 2: x = [0, 1], μ = [−0.9, 1.3]
///
/// The Gaussian model is the same model with `decoder_logvar` = [0, ln 4]
/// (σ² = 1, 4) appended: per feature ½(ln 2π + log σ² + (x − μ)²/σ²), so
///
///     row 1: ½(1.837877 + 0 + 0.36) + ½(1.837877 + 1.386294 + 1.44/4) = 2.891024
///     row 2: ½(1.837877 + 0 + 0.81) + ½(1.837877 + 1.386294 + 0.09/4) = 2.947274
@Suite struct LikelihoodLossTests {
    /// The hand model with the decoder's log-variance vector: the same
    /// parameters (a Gaussian layout is the plain one with `decoder_logvar`
    /// appended), then log σ² = [0, ln 4].
    func gaussianHandModel() -> (VariationalAutoencoder, VariationalAutoencoder.Batch) {
        let (plain, plainBatch) = LossTests().handModel()
        let model = VariationalAutoencoder(
            architecture: Architecture(inputSize: 2, hidden: [], latent: 1, hasDecoderLogVariance: true), batchCapacity: 2)
        model.parameters.slice(from: 0, count: plain.parameters.count).copy(from: plain.parameters)
        model.parameters.slice(from: plain.parameters.count, count: 2).copy(from: [0, Float.log(4)])
        let batch = model.batch(rows: 2)
        batch.input.copyElements(from: plainBatch.input)
        batch.noise.copyElements(from: plainBatch.noise)
        return (model, batch)
    }

    @Test func absoluteErrorSumsOverFeaturesOnTheLinearOutput() {
        let (model, batch) = LossTests().handModel()
        let terms = model.loss(batch, objective: Objective(reconstruction: .mae, beta: 1))
        // |1.6 − 1| + |−1.2 − 0| + |−0.9 − 0| + |1.3 − 1| = 0.6 + 1.2 + 0.9 + 0.3.
        #expect(abs(terms.reconstruction - 3.0) < 1e-5)
        #expect(abs(terms.kl - 0.896294) < 1e-5)
        let outputs = model.outputs(rows: 2)
        #expect(abs(outputs[0, 0] - 1.6) < 1e-6 && abs(outputs[0, 1] - -1.2) < 1e-6, "identity output, not σ(l)")
    }

    @Test func gaussianIsTheNegativeLogLikelihoodInNats() {
        let (model, batch) = gaussianHandModel()
        let terms = model.loss(batch, objective: Objective(reconstruction: .gaussian, beta: 0.5))
        #expect(abs(terms.reconstruction - (2.891024 + 2.947274)) < 1e-5)
        #expect(abs(terms.kl - 0.896294) < 1e-5)
        #expect(abs(terms.loss - (2.891024 + 2.947274 + 0.5 * 0.896294)) < 1e-5)
        let outputs = model.outputs(rows: 2)
        #expect(abs(outputs[1, 0] - -0.9) < 1e-6 && abs(outputs[1, 1] - 1.3) < 1e-6, "the Gaussian mean, not σ(l)")
    }

    /// d/ds of ½(s + d²e^−s) summed over the rows is ½ Σ (1 − d²e^−s):
    /// feature 0 (σ² = 1): ½(1 − 0.36) + ½(1 − 0.81) = 0.415;
    /// feature 1 (σ² = 4): ½(1 − 0.36) + ½(1 − 0.0225) = 0.80875.
    @Test func logVarianceGradientIsSummedOverTheBatch() throws {
        let (model, batch) = gaussianHandModel()
        _ = model.lossAndGradients(batch, objective: Objective(reconstruction: .gaussian, beta: 1))
        let tensor = try #require(model.layout.tensors.first { $0.name == "decoder_logvar" })
        let gradient = model.gradients.slice(from: tensor.offset, count: tensor.count).array
        #expect(abs(gradient[0] - 0.415) < 1e-5 && abs(gradient[1] - 0.80875) < 1e-5, "\(gradient)")
    }

    @Test func decodeReturnsTheMeanInTheModelsOutputSpace() {
        let (model, _) = LossTests().handModel()
        let linear = model.decode([[1.6]], activation: Reconstruction.gaussian.outputActivation)
        #expect(linear[0, 0] == 1.6 && abs(linear[0, 1] - -1.2) < 1e-6)
        let probabilities = model.decode([[1.6]], activation: Reconstruction.bce.outputActivation)
        #expect(abs(probabilities[0, 0] - 0.832018) < 1e-6 && abs(probabilities[0, 1] - 0.231475) < 1e-6)
    }

    /// With K = 1, log w is the one-sample ELBO with the Gaussian
    /// likelihood and the KL sampled: row 1 (x = [1, 0], ε = 2, z = 1.6)
    /// −2.891024 + (−½z² + ½ log σ² + ½ε²) = −2.891024 + 0.026853; row 2
    /// (same image, ε = −1, z = 0.1, μ = [0.1, 0.3]): −2.947274 − 0.198147.
    @Test func gaussianImportanceWeightIsTheOneSampleELBO() {
        let (model, _) = gaussianHandModel()
        let batch = model.batch(rows: 2)
        batch.input.flattened.copy(from: [1, 0, 1, 0])
        batch.noise.flattened.copy(from: [2, -1])
        let weights = model.logImportanceWeights(batch, likelihood: .gaussian)
        #expect(abs(weights[0] - (-2.891024 + 0.026853)) < 1e-5)
        #expect(abs(weights[1] - (-2.947274 - 0.198147)) < 1e-5)

        // The same figure from the training loss of that one row: −(recon) plus the sampled prior ratio.
        let one = model.batch(rows: 1)
        let terms = model.loss(one, objective: Objective(reconstruction: .gaussian, beta: 1))
        #expect(abs(weights[0] - (-terms.reconstruction + 0.026853)) < 1e-5)
    }

    @Test func onlyBCEAndGaussianHaveALikelihood() {
        #expect(Reconstruction.bce.likelihood == .bernoulli)
        #expect(Reconstruction.gaussian.likelihood == .gaussian)
        #expect(Reconstruction.mse.likelihood == nil && Reconstruction.mae.likelihood == nil)
        #expect(Reconstruction.allCases.map(\.outputActivation) == [.sigmoid, .sigmoid, .identity, .identity])
    }
}

extension Matrix {
    fileprivate func copyElements(from source: Matrix) { flattened.copy(from: source.flattened) }
}
