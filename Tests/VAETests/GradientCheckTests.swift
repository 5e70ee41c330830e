import Randomness
import Tensors
import Testing
@testable import VAE

/// Analytic gradients of the full loss (reconstruction + β·KL through the
/// reparameterization) against central finite differences, for every
/// parameter of a small network with two hidden layers (tolerances: see
/// ``FiniteDifferences``).
@Suite struct GradientCheckTests {
    static let cases: [(Reconstruction, Float)] = [(.bce, 1), (.bce, 0.3), (.mse, 1), (.mse, 2.5)]

    @Test(arguments: 0..<cases.count)
    func analyticGradientsMatchFiniteDifferences(caseIndex: Int) {
        let (reconstruction, beta) = Self.cases[caseIndex]
        let objective = Objective(reconstruction: reconstruction, beta: beta)
        let (model, batch, _) = FiniteDifferences.model(Architecture(inputSize: 6, hidden: [5, 4], latent: 3), inputs: 0..<1)
        let (analytic, excess, detail) = FiniteDifferences.worstMismatch(model, batch, objective: objective)
        #expect(excess <= 1, "gradient mismatch beyond tolerance at \(detail)")
        #expect(analytic.contains { abs($0) > 1e-3 }, "a degenerate all-zero gradient would pass trivially")
    }

    @Test func accumulateAddsToTheExistingGradient() {
        let model = VariationalAutoencoder(architecture: Architecture(inputSize: 4, hidden: [3], latent: 2), batchCapacity: 2)
        var generator = SplitMix64(seed: 9)
        model.initializeParameters(using: &generator)
        let batch = model.batch(rows: 2)
        for index in 0..<batch.input.count { batch.input.flattened[index] = generator.nextFloat(in: 0..<1) }
        batch.noise.flattened.copy(from: [0.3, -1, 1.2, 0.1])
        _ = model.lossAndGradients(batch, objective: Objective())
        let once = model.gradients.array
        _ = model.lossAndGradients(batch, objective: Objective(), accumulate: true)
        let twice = model.gradients.array
        for (a, b) in zip(once, twice) { #expect(abs(2 * a - b) <= 1e-5 * max(1, abs(b))) }
    }
}
