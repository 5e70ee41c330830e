import Foundation
import Testing
@testable import Tensors

/// The packed Adam pass gives the same bits as the formula evaluated one
/// element at a time, so training after the change continues exactly where
/// a checkpoint written before it left off.
@Suite struct AdamKernelTests {
    /// The update written the plain way, one Float operation at a time.
    static func reference(_ p: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float], _ f: AdamFactors) {
        for i in p.indices {
            m[i] = m[i] + (g[i] - m[i]) * f.oneMinusBeta1
            v[i] = v[i] * f.beta2 + f.oneMinusBeta2 * g[i] * g[i]
            p[i] = p[i] - f.stepSize * m[i] / (v[i].squareRoot() / f.biasCorrection2Root + f.epsilon)
        }
    }

    /// Values spread over magnitudes from 10⁻⁹ to 10³ of `scale` (some zero),
    /// from a fixed linear congruential sequence.
    static func values(_ count: Int, seed: UInt64, scale: Float, positive: Bool = false) -> [Float] {
        var state = seed
        return (0..<count).map { index in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            if index % 29 == 3 { return 0 }
            let unit = Float(state >> 40) / Float(1 << 24)
            let magnitude = scale * Float(pow(10, Double(Int((state >> 20) % 13) - 9))) * unit
            return positive || state & 1 == 0 ? magnitude : -magnitude
        }
    }

    /// Steps 1, 7 and 1000 (√(1 − β₂ᵗ) well below 1) and 20,000 (rounded to
    /// exactly 1, where the kernel skips that division); lengths with and
    /// without a tail after the last full vector.
    @Test(arguments: [1, 7, 1000, 20_000])
    func packedUpdateMatchesTheScalarFormulaBitForBit(step: Int) {
        let f = AdamFactors(oneMinusBeta1: Float(1 - 0.9), beta2: 0.999, oneMinusBeta2: Float(1 - 0.999),
                            stepSize: Float(1e-3 / (1 - pow(0.9, Double(step)))),
                            biasCorrection2Root: Float((1 - pow(0.999, Double(step))).squareRoot()), epsilon: 1e-8)
        #expect((f.biasCorrection2Root == 1) == (step == 20_000))
        for count in [1, 3, 4, 5, 8, 13, 1003] {
            var p = Self.values(count, seed: 1, scale: 1)
            let g = Self.values(count, seed: 2, scale: 1)
            var m = Self.values(count, seed: 3, scale: 0.1)
            var v = Self.values(count, seed: 4, scale: 0.01, positive: true)
            let parameters = FloatBuffer(p), first = FloatBuffer(m), second = FloatBuffer(v)
            parameters.all.adamStep(gradients: FloatBuffer(g).all, firstMoment: first.all, secondMoment: second.all, factors: f)
            Self.reference(&p, g, &m, &v, f)
            #expect(parameters.all.array.map(\.bitPattern) == p.map(\.bitPattern), "parameters, \(count) elements")
            #expect(first.all.array.map(\.bitPattern) == m.map(\.bitPattern), "first moment, \(count) elements")
            #expect(second.all.array.map(\.bitPattern) == v.map(\.bitPattern), "second moment, \(count) elements")
        }
    }
}
