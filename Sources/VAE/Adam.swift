import RealModule
import Tensors

/// Adam (Kingma & Ba, 2015, https://arxiv.org/abs/1412.6980) over one flat
/// parameter buffer, computed exactly as `torch.optim.Adam` does with its
/// defaults (no weight decay, no amsgrad), so vae-dist and PyTorch take the
/// same step from the same gradient.
public final class Adam {
    public struct Configuration: Equatable, Sendable {
        public var learningRate: Float
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8

        public init(learningRate: Float = 1e-3) { self.learningRate = learningRate }
    }

    public var configuration: Configuration
    /// First and second moment estimates (PyTorch's `exp_avg`, `exp_avg_sq`).
    public let firstMoment: Vector
    public let secondMoment: Vector
    /// Updates taken so far (PyTorch's `step`).
    public var step: Int = 0

    public init(configuration: Configuration, parameterCount: Int) {
        self.configuration = configuration
        firstMoment = FloatBuffer(count: parameterCount).all
        secondMoment = FloatBuffer(count: parameterCount).all
    }

    /// One update of `parameters` from `gradients`.
    public func update(_ parameters: Vector, gradients: Vector) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count,
                     "Adam was built for \(firstMoment.count) parameters")
        step += 1
        let c = configuration
        let biasCorrection1 = 1 - Float.pow(c.beta1, step)
        let biasCorrection2Root = (1 - Float.pow(c.beta2, step)).squareRoot()
        let stepSize = c.learningRate / biasCorrection1
        parameters.withMutableSpan { p in
            gradients.withSpan { g in
                firstMoment.withMutableSpan { m in
                    secondMoment.withMutableSpan { v in
                        for i in 0..<p.count {
                            let gradient = g[i]
                            m[i] += (gradient - m[i]) * (1 - c.beta1)
                            v[i] = v[i] * c.beta2 + (1 - c.beta2) * gradient * gradient
                            let denominator = v[i].squareRoot() / biasCorrection2Root + c.epsilon
                            p[i] -= stepSize * m[i] / denominator
                        }
                    }
                }
            }
        }
    }
}
