import RealModule
import Tensors

/// Adam (Kingma & Ba, 2015, https://arxiv.org/abs/1412.6980) over one flat
/// parameter buffer, computed exactly as `torch.optim.Adam` does with its
/// defaults (no weight decay, no amsgrad), so vae-dist and PyTorch take the
/// same step from the same gradient.
public final class Adam {
    /// Hyperparameters in Double, like PyTorch's Python floats: each scalar
    /// factor (1 − β, lr / bias correction) is formed in double precision and
    /// only then rounded to Float, so it is the same Float PyTorch uses.
    public struct Configuration: Equatable, Sendable {
        public var learningRate: Double
        public var beta1: Double = 0.9
        public var beta2: Double = 0.999
        public var epsilon: Double = 1e-8

        public init(learningRate: Double = 1e-3) { self.learningRate = learningRate }
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

    /// Adam whose moments live in storage the caller provides (and zeroed
    /// or restored itself): a node-shared copy that several processes' Adams
    /// update, each its own part.
    public init(configuration: Configuration, firstMoment: Vector, secondMoment: Vector) {
        precondition(firstMoment.count == secondMoment.count, "Adam's moments differ in length")
        self.configuration = configuration
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }

    /// One update of `parameters` from `gradients`.
    public func update(_ parameters: Vector, gradients: Vector) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count,
                     "Adam was built for \(firstMoment.count) parameters")
        step += 1
        let c = configuration
        parameters.adamStep(
            gradients: gradients, firstMoment: firstMoment, secondMoment: secondMoment,
            factors: AdamFactors(
                oneMinusBeta1: Float(1 - c.beta1), beta2: Float(c.beta2), oneMinusBeta2: Float(1 - c.beta2),
                stepSize: Float(c.learningRate / (1 - Double.pow(c.beta1, step))),
                biasCorrection2Root: Float((1 - Double.pow(c.beta2, step)).squareRoot()),
                epsilon: Float(c.epsilon)))
    }
}
