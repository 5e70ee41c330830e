import RealModule
import Tensors

/// The Gaussian decoder's log σ² as views: its values and gradient at
/// `decoder_logvar`'s offset in the flat buffers, and room (in the
/// workspace) for the precision e^−log σ².
struct DecoderLogVariance {
    let values: Vector
    let gradient: Vector
    let precision: Vector

    /// e^−log σ², recomputed once per pass (one `exp` per feature) instead of
    /// once per element of the batch.
    func updatePrecision() {
        values.withSpan { logVariance in
            precision.withMutableSpan { precision in
                for index in logVariance.indices { precision[index] = Float.exp(-logVariance[index]) }
            }
        }
    }
}

extension Reconstruction {
    /// Scores the decoder's last-layer output (before its activation) against
    /// `targets` with this reconstruction's fused kernel: writes the output
    /// after ``outputActivation`` to `means`, dLoss/d(last-layer output) to
    /// `gradient` and, for the Gaussian, dLoss/d log σ² to its gradient
    /// slice (added when `accumulate`), both only when `gradient` is given;
    /// each row's loss to `rowLosses` if given. Returns the summed loss.
    func score(decoderOutput: Matrix, targets: Matrix, logVariance: DecoderLogVariance?, means: Matrix,
               gradient: Matrix?, accumulate: Bool, rowLosses: Vector?) -> Double {
        switch self {
        case .bce:
            return decoderOutput.logisticLoss(.crossEntropy, targets: targets, probabilities: means, gradient: gradient,
                                              rowLosses: rowLosses)
        case .mse:
            return decoderOutput.logisticLoss(.squaredError, targets: targets, probabilities: means, gradient: gradient,
                                              rowLosses: rowLosses)
        case .mae:
            return decoderOutput.absoluteErrorLoss(targets: targets, means: means, gradient: gradient, rowLosses: rowLosses)
        case .gaussian:
            guard let logVariance else { preconditionFailure("a Gaussian decoder needs its log-variance vector") }
            logVariance.updatePrecision()
            return decoderOutput.gaussianLoss(
                targets: targets, logVariance: logVariance.values, precision: logVariance.precision, means: means,
                gradient: gradient, logVarianceGradient: gradient == nil ? nil : logVariance.gradient,
                accumulate: accumulate, rowLosses: rowLosses)
        }
    }
}
