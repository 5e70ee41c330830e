import Randomness
import Tensors
@testable import VAE

/// The finite-difference machinery of the gradient checks, shared by every
/// reconstruction's check.
///
/// The model computes in Float, so the check uses h = 1e-3 on a loss of
/// order 10 and accepts |analytic − numeric| ≤ 2e-3 + 2e-2·|numeric|; any
/// real mistake (a missing ½, a wrong transpose, a dropped β) is off by 10%
/// or far more. (A larger h crosses ReLU kinks: at h = 1e-2 one bias of this
/// network is off by 6% for that reason alone.)
enum FiniteDifferences {
    /// The two-hidden-layer network of the checks, seeded, its weights
    /// doubled so ReLUs and heads do real work, with 4 rows of inputs drawn
    /// from `inputs` and addressed noise. Returns the generator for further
    /// draws.
    static func model(_ architecture: Architecture, inputs: Range<Float>, seed: UInt64 = 42)
        -> (VariationalAutoencoder, VariationalAutoencoder.Batch, SplitMix64) {
        let model = VariationalAutoencoder(architecture: architecture, batchCapacity: 4)
        var generator = SplitMix64(seed: seed)
        model.initializeParameters(using: &generator)
        // Larger weights than the default init so ReLUs and heads do real work.
        for index in 0..<model.parameters.count { model.parameters[index] *= 2 }
        let batch = model.batch(rows: 4)
        for index in 0..<batch.input.count { batch.input.flattened[index] = generator.nextFloat(in: inputs) }
        let noise = CounterGaussian(seed: 3, stream: 0)
        for row in 0..<4 {
            batch.noise.rows(from: row, count: 1).flattened.withMutableSpan { noise.fill(&$0, position: row) }
        }
        return (model, batch, generator)
    }

    /// Runs the analytic backward, then compares every parameter's gradient
    /// with a central difference of the loss; returns the analytic gradient
    /// and the worst mismatch as a multiple of the tolerance (≤ 1 passes).
    static func worstMismatch(_ model: VariationalAutoencoder, _ batch: VariationalAutoencoder.Batch,
                              objective: Objective) -> (analytic: [Float], excess: Double, detail: String) {
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
        return (analytic, worst.excess, worst.detail)
    }
}
