import Randomness
import Tensors
import Testing
@testable import VAE

/// Analytic gradients of the full loss (reconstruction + β·KL through the
/// reparameterization) against central finite differences, for every
/// parameter of a small network with two hidden layers.
///
/// The model computes in Float, so the check uses h = 1e-3 on a loss of
/// order 10 and accepts |analytic − numeric| ≤ 2e-3 + 2e-2·|numeric|; any
/// real mistake (a missing ½, a wrong transpose, a dropped β) is off by 10%
/// or far more. (A larger h crosses ReLU kinks: at h = 1e-2 one bias of this
/// network is off by 6% for that reason alone.)
@Suite struct GradientCheckTests {
    static let cases: [(Reconstruction, Float)] = [(.bce, 1), (.bce, 0.3), (.mse, 1), (.mse, 2.5)]

    @Test(arguments: 0..<cases.count)
    func analyticGradientsMatchFiniteDifferences(caseIndex: Int) {
        let (reconstruction, beta) = Self.cases[caseIndex]
        let objective = Objective(reconstruction: reconstruction, beta: beta)
        let architecture = Architecture(inputSize: 6, hidden: [5, 4], latent: 3)
        let model = VariationalAutoencoder(architecture: architecture, batchCapacity: 4)
        var generator = SplitMix64(seed: 42)
        model.initializeParameters(using: &generator)
        // Larger weights than the default init so ReLUs and heads do real work.
        for index in 0..<model.parameters.count { model.parameters[index] *= 2 }
        let batch = model.batch(rows: 4)
        for index in 0..<batch.input.count { batch.input.flattened[index] = generator.nextFloat(in: 0..<1) }
        let noise = CounterGaussian(seed: 3, stream: 0)
        for row in 0..<4 {
            batch.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: row) }
        }

        _ = model.lossAndGradients(batch, objective: objective)
        let analytic = model.gradients.array
        let h: Float = 1e-3
        var worst: (excess: Double, detail: String) = (0, "")
        for tensor in model.layout.tensors {
            for element in 0..<tensor.count {
                let index = tensor.offset + element
                let original = model.parameters[index]
                model.parameters[index] = original + h
                let plus = model.loss(batch, objective: objective).loss
                model.parameters[index] = original - h
                let minus = model.loss(batch, objective: objective).loss
                model.parameters[index] = original
                let numeric = (plus - minus) / Double(2 * h)
                let tolerance = 2e-3 + 2e-2 * abs(numeric)
                let excess = abs(Double(analytic[index]) - numeric) / tolerance
                if excess > worst.excess {
                    worst = (excess, "\(tensor.name)[\(element)]: analytic \(analytic[index]), numeric \(numeric)")
                }
            }
        }
        #expect(worst.excess <= 1, "gradient mismatch beyond tolerance at \(worst.detail)")
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
