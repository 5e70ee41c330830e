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
    ///
    /// The pass is bound by its square root and two divisions, not by memory,
    /// so it runs four lanes at a time on the hardware's packed square root
    /// (``packedSquareRoot(_:)``). Every operation is the correctly rounded
    /// IEEE one, in the same order as the formula above, so the lanes give the
    /// same bits as one element at a time. Once √(1 − β₂ᵗ) has rounded to 1
    /// (after about 16,600 steps at β₂ = 0.999), dividing by it is the
    /// identity and is skipped.
    public func adamStep(gradients: Vector, firstMoment: Vector, secondMoment: Vector, factors f: AdamFactors) {
        precondition(gradients.count == count && firstMoment.count == count && secondMoment.count == count,
                     "Adam buffers differ in length")
        let p = buffer.base + offset
        let g = gradients.buffer.base + gradients.offset
        let m = firstMoment.buffer.base + firstMoment.offset
        let v = secondMoment.buffer.base + secondMoment.offset
        let corrects = f.biasCorrection2Root != 1
        var i = 0
        while i + 4 <= count {
            let gradient = g.quad(at: i)
            let previous = m.quad(at: i)
            let mi = previous + (gradient - previous) * f.oneMinusBeta1
            let vi = v.quad(at: i) * f.beta2 + f.oneMinusBeta2 * gradient * gradient
            m.store(mi, at: i)
            v.store(vi, at: i)
            let root = packedSquareRoot(vi)
            let denominator = (corrects ? root / f.biasCorrection2Root : root) + f.epsilon
            p.store(p.quad(at: i) - f.stepSize * mi / denominator, at: i)
            i += 4
        }
        while i < count {
            let gradient = g[i]
            let mi = m[i] + (gradient - m[i]) * f.oneMinusBeta1
            let vi = v[i] * f.beta2 + f.oneMinusBeta2 * gradient * gradient
            m[i] = mi
            v[i] = vi
            let root = vi.squareRoot()
            p[i] -= f.stepSize * mi / ((corrects ? root / f.biasCorrection2Root : root) + f.epsilon)
            i += 1
        }
    }
}
