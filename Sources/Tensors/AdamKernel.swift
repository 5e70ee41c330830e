/// The scalars of one Adam step, formed by the optimizer (in double, as
/// PyTorch does) and applied element-wise by ``Vector/adamStep(gradients:firstMoment:secondMoment:factors:)``.
public struct AdamFactors: Sendable {
    public var oneMinusBeta1: Float
    public var beta2: Float
    public var oneMinusBeta2: Float
    /// lr / (1 − β₁ᵗ)
    public var stepSize: Float
    /// √(1 − β₂ᵗ)
    public var biasCorrection2Root: Float
    public var epsilon: Float

    public init(oneMinusBeta1: Float, beta2: Float, oneMinusBeta2: Float, stepSize: Float,
                biasCorrection2Root: Float, epsilon: Float) {
        self.oneMinusBeta1 = oneMinusBeta1
        self.beta2 = beta2
        self.oneMinusBeta2 = oneMinusBeta2
        self.stepSize = stepSize
        self.biasCorrection2Root = biasCorrection2Root
        self.epsilon = epsilon
    }
}

extension Vector {
    /// One Adam update of these parameters, in one pass over four buffers
    /// (the step's largest element-wise pass: every parameter, every step):
    /// m += (g − m)(1 − β₁); v = β₂v + (1 − β₂)g²; p −= step · m / (√v / √(1 − β₂ᵗ) + ε).
    public func adamStep(gradients: Vector, firstMoment: Vector, secondMoment: Vector, factors f: AdamFactors) {
        precondition(gradients.count == count && firstMoment.count == count && secondMoment.count == count,
                     "Adam buffers differ in length")
        let p = buffer.base + offset
        let g = gradients.buffer.base + gradients.offset
        let m = firstMoment.buffer.base + firstMoment.offset
        let v = secondMoment.buffer.base + secondMoment.offset
        var i = 0
        while i + 8 <= count {
            let gradient = g.lanes(at: i)
            let mi = m.lanes(at: i) + (gradient - m.lanes(at: i)) * f.oneMinusBeta1
            let vi = v.lanes(at: i) * f.beta2 + f.oneMinusBeta2 * gradient * gradient
            m.store(mi, at: i)
            v.store(vi, at: i)
            p.store(p.lanes(at: i) - f.stepSize * mi / (vi.squareRoot() / f.biasCorrection2Root + f.epsilon), at: i)
            i += 8
        }
        while i < count {
            let gradient = g[i]
            let mi = m[i] + (gradient - m[i]) * f.oneMinusBeta1
            let vi = v[i] * f.beta2 + f.oneMinusBeta2 * gradient * gradient
            m[i] = mi
            v[i] = vi
            p[i] -= f.stepSize * mi / (vi.squareRoot() / f.biasCorrection2Root + f.epsilon)
            i += 1
        }
    }
}
