import Randomness
import Tensors
import Testing
@testable import VAE

/// The gradient checks of ``GradientCheckTests`` for the identity-output
/// reconstructions, on data outside [0, 1] (as standardized data would be),
/// with β ≠ 1: every parameter of a two-hidden-layer network, the Gaussian
/// decoder's log σ² included element by element. 11 features: the fused
/// kernels' full vector of eight lanes and their partial tail both run.
@Suite struct LikelihoodGradientCheckTests {
    static let plain = Architecture(inputSize: 11, hidden: [5, 4], latent: 3)
    static let gaussian = Architecture(inputSize: 11, hidden: [5, 4], latent: 3, hasDecoderLogVariance: true)

    /// |μ − x| has a kink at μ = x, where a central difference straddling it
    /// is wrong by up to 1 per element; the check holds only if every
    /// output stays at least `margin` from its target, far more than a step
    /// of h = 1e-3 in any one parameter moves it (the test asserts this).
    @Test(arguments: [Float(0.6), 2])
    func absoluteErrorGradientsMatchFiniteDifferencesAwayFromKinks(beta: Float) throws {
        let (model, batch, _) = FiniteDifferences.model(Self.plain, inputs: -2..<2)
        let objective = Objective(reconstruction: .mae, beta: beta)
        _ = model.loss(batch, objective: objective)
        let outputs = model.outputs(rows: 4).flattened.array
        let margin = zip(outputs, batch.input.flattened.array).map { abs($0 - $1) }.min() ?? 0
        try #require(margin > 0.02, "an output within \(margin) of its target: pick another seed")

        let (analytic, excess, detail) = FiniteDifferences.worstMismatch(model, batch, objective: objective)
        #expect(excess <= 1, "gradient mismatch beyond tolerance at \(detail)")
        #expect(analytic.contains { abs($0) > 1e-3 }, "a degenerate all-zero gradient would pass trivially")
    }

    @Test(arguments: [Float(0.4), 1.7])
    func gaussianGradientsMatchFiniteDifferencesIncludingTheLogVariance(beta: Float) throws {
        var (model, batch, generator) = FiniteDifferences.model(Self.gaussian, inputs: -2..<2)
        let logVariance = try #require(model.layout.tensors.first { $0.name == "decoder_logvar" })
        // Away from the initial 0, so each σ² scales its own feature differently.
        for element in 0..<logVariance.count {
            model.parameters[logVariance.offset + element] = generator.nextFloat(in: -1..<1)
        }
        let (analytic, excess, detail) = FiniteDifferences.worstMismatch(model, batch, objective: Objective(reconstruction: .gaussian, beta: beta))
        #expect(excess <= 1, "gradient mismatch beyond tolerance at \(detail)")
        let logVarianceGradient = analytic[logVariance.offset..<(logVariance.offset + logVariance.count)]
        #expect(logVarianceGradient.allSatisfy { abs($0) > 1e-3 }, "every log σ² element gets a gradient: \(Array(logVarianceGradient))")
    }

    /// The check fails a wrong gradient: the Gaussian log σ²'s gradient
    /// with its ½ dropped (doubled), or off by only 5%, or with two features'
    /// gradients swapped, is reported beyond the tolerance.
    @Test(arguments: ["missing half", "five percent", "swapped features"])
    func wrongLogVarianceGradientsFailTheCheck(mistake: String) throws {
        var (model, batch, generator) = FiniteDifferences.model(Self.gaussian, inputs: -2..<2)
        let logVariance = try #require(model.layout.tensors.first { $0.name == "decoder_logvar" })
        for element in 0..<logVariance.count {
            model.parameters[logVariance.offset + element] = generator.nextFloat(in: -1..<1)
        }
        let range = logVariance.offset..<(logVariance.offset + logVariance.count)
        let (_, excess, detail) = FiniteDifferences.worstMismatch(
            model, batch, objective: Objective(reconstruction: .gaussian, beta: 1.7)) { gradient in
            switch mistake {
            case "missing half": for index in range { gradient[index] *= 2 }
            case "five percent": for index in range { gradient[index] *= 1.05 }
            default: gradient.swapAt(range.lowerBound, range.lowerBound + 1)
            }
        }
        #expect(excess > 1, "a wrong log σ² gradient (\(mistake)) passed the check; worst \(detail)")
        #expect(detail.hasPrefix("decoder_logvar"), "the worst mismatch names the wrong tensor: \(detail)")
    }

    /// `accumulate: true` adds the batch's log σ² gradient to what is there,
    /// as it does for the layers.
    @Test func gaussianAccumulateAddsToTheExistingGradient() {
        let (model, batch, _) = FiniteDifferences.model(Self.gaussian, inputs: -2..<2)
        let objective = Objective(reconstruction: .gaussian, beta: 1)
        _ = model.lossAndGradients(batch, objective: objective)
        let once = model.gradients.array
        _ = model.lossAndGradients(batch, objective: objective, accumulate: true)
        let twice = model.gradients.array
        for (a, b) in zip(once, twice) { #expect(abs(2 * a - b) <= 1e-5 * max(1, abs(b))) }
        _ = model.lossAndGradients(batch, objective: objective)
        #expect(model.gradients.array == once, "without accumulate the gradient is overwritten, log σ² included")
    }
}
