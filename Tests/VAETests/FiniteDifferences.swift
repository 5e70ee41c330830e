import Randomness
import Tensors
@testable import VAE

/// The finite-difference machinery of the gradient checks, shared by every
/// reconstruction's check.
///
/// The analytic gradient (the model's Float backward, on whatever BLAS
/// kernel runs) is compared with a central difference of
/// ``DoublePrecisionLoss``, the loss recomputed in Double with h = 1e-6: the
/// numeric side is accurate to ~1e-8, so the tolerance only has to cover
/// the Float backward's own rounding. That rounding, in any summation order,
/// is bounded by a few units of Float's 6e-8 relative precision times the
/// sums' magnitudes (here under 1e2), so well under 1e-5 absolute; the check
/// accepts |analytic − numeric| ≤ 1e-4 + 1e-3·|numeric|, ten times that.
/// Any real mistake (a missing ½, a wrong transpose, a dropped β) is off by
/// 5% or far more, which the mutation tests show the check catches.
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
    /// with a central difference of the Double-precision loss; returns the
    /// analytic gradient and the worst mismatch as a multiple of the
    /// tolerance (≤ 1 passes). `mutate` alters the analytic gradient before
    /// the comparison, for the tests that show a wrong gradient fails.
    static func worstMismatch(_ model: VariationalAutoencoder, _ batch: VariationalAutoencoder.Batch,
                              objective: Objective, mutate: (inout [Float]) -> Void = { _ in })
        -> (analytic: [Float], excess: Double, detail: String) {
        let floatLoss = model.lossAndGradients(batch, objective: objective).loss
        var analytic = model.gradients.array
        mutate(&analytic)
        let reference = doublePrecisionLoss(model, batch, objective: objective)
        var parameters = model.parameters.array.map(Double.init)
        let referenceLoss = reference.loss(parameters)
        // The reference must be the model's loss, or the check would compare
        // against something else: Float and Double agree to Float's rounding.
        precondition(abs(referenceLoss - floatLoss) <= 1e-4 * max(1, abs(referenceLoss)),
                     "the Double reference loss \(referenceLoss) is not the model's \(floatLoss)")
        let h = 1e-6
        var worst: (excess: Double, detail: String) = (0, "")
        for tensor in model.layout.tensors {
            for element in 0..<tensor.count {
                let index = tensor.offset + element
                let original = parameters[index]
                parameters[index] = original + h
                let plus = reference.loss(parameters)
                parameters[index] = original - h
                let minus = reference.loss(parameters)
                parameters[index] = original
                let numeric = (plus - minus) / (2 * h)
                let tolerance = 1e-4 + 1e-3 * abs(numeric)
                let excess = abs(Double(analytic[index]) - numeric) / tolerance
                if excess > worst.excess {
                    worst = (excess, "\(tensor.name)[\(element)]: analytic \(analytic[index]), numeric \(numeric)")
                }
            }
        }
        return (analytic, worst.excess, worst.detail)
    }

    /// The model's current batch and objective as a ``DoublePrecisionLoss``.
    static func doublePrecisionLoss(_ model: VariationalAutoencoder, _ batch: VariationalAutoencoder.Batch,
                                    objective: Objective) -> DoublePrecisionLoss {
        let rows = batch.input.rows
        let inputs = (0..<rows).map { row in batch.input.rows(from: row, count: 1).flattened.array.map(Double.init) }
        let noise = (0..<rows).map { row in batch.noise.rows(from: row, count: 1).flattened.array.map(Double.init) }
        return DoublePrecisionLoss(architecture: model.architecture, objective: objective, inputs: inputs, noise: noise)
    }
}
