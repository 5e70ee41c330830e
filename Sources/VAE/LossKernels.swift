import RealModule
import Tensors

// The VAE-specific element-wise math: reparameterization, KL, and the
// reconstruction losses with their gradients. Each is one pass over spans.

/// z = μ + exp(½ log σ²)·ε, and returns KL(q(z|x) ‖ N(0, I)) summed over the rows:
/// −½ Σ (1 + log σ² − μ² − σ²).
func reparameterize(head: Matrix, noise: Matrix, into latent: Matrix) -> Double {
    let size = latent.columns
    return head.flattened.withSpan { h in
        noise.flattened.withSpan { eps in
            latent.flattened.withMutableSpan { z in
                var kl: Double = 0
                for row in 0..<latent.rows {
                    var rowKL: Float = 0
                    for j in 0..<size {
                        let mu = h[row * 2 * size + j]
                        let logVariance = h[row * 2 * size + size + j]
                        let variance = Float.exp(logVariance)
                        z[row * size + j] = mu + variance.squareRoot() * eps[row * size + j]
                        rowKL += 1 + logVariance - mu * mu - variance
                    }
                    kl += Double(-0.5 * rowKL)
                }
                return kl
            }
        }
    }
}

/// Gradient of loss = recon(z) + β·KL with respect to [μ | log σ²], given dL/dz:
/// dμ = dz + β·μ, d log σ² = dz·ε·½σ + β·½(σ² − 1).
func reparameterizeBackward(head: Matrix, noise: Matrix, latentGradient: Matrix, beta: Float, into headGradient: Matrix) {
    let size = latentGradient.columns
    head.flattened.withSpan { h in
        noise.flattened.withSpan { eps in
            latentGradient.flattened.withSpan { dz in
                headGradient.flattened.withMutableSpan { dh in
                    for row in 0..<latentGradient.rows {
                        for j in 0..<size {
                            let mu = h[row * 2 * size + j]
                            let logVariance = h[row * 2 * size + size + j]
                            let variance = Float.exp(logVariance)
                            let upstream = dz[row * size + j]
                            dh[row * 2 * size + j] = upstream + beta * mu
                            dh[row * 2 * size + size + j] = upstream * eps[row * size + j] * 0.5 * variance.squareRoot()
                                + beta * 0.5 * (variance - 1)
                        }
                    }
                }
            }
        }
    }
}

/// The summed reconstruction loss of `logits` against `target`, writing the
/// decoder's output σ(logits) to `probabilities` and, if given, dLoss/dlogits
/// to `logitGradient`.
///
/// BCE is computed from logits (max(l,0) − l·x + log(1 + e^−|l|)), which is
/// exact where PyTorch's `binary_cross_entropy` on probabilities has to clamp.
func reconstructionLoss(
    _ kind: Reconstruction, logits: Matrix, target: Matrix, probabilities: Matrix, logitGradient: Matrix?
) -> Double {
    let count = logits.count
    return logits.flattened.withSpan { l in
        target.flattened.withSpan { x in
            probabilities.flattened.withMutableSpan { p in
                var total: Double = 0
                var rowStart = 0
                while rowStart < count {
                    var rowLoss: Float = 0
                    for i in rowStart..<(rowStart + logits.columns) {
                        let logit = l[i]
                        let decay = Float.exp(-abs(logit))
                        let probability = logit >= 0 ? 1 / (1 + decay) : decay / (1 + decay)
                        p[i] = probability
                        switch kind {
                        case .bce:
                            rowLoss += max(logit, 0) - logit * x[i] + Float.log(onePlus: decay)
                        case .mse:
                            let error = probability - x[i]
                            rowLoss += error * error
                        }
                    }
                    total += Double(rowLoss)
                    rowStart += logits.columns
                }
                if let logitGradient {
                    logitGradient.flattened.withMutableSpan { g in
                        for i in 0..<count {
                            switch kind {
                            case .bce: g[i] = p[i] - x[i]
                            case .mse: g[i] = 2 * (p[i] - x[i]) * p[i] * (1 - p[i])
                            }
                        }
                    }
                }
                return total
            }
        }
    }
}
