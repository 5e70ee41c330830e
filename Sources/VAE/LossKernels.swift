import RealModule
import Tensors

// The VAE-specific element-wise math of the latent layer: reparameterization
// and KL, one pass over spans each (rows × latent: small). The per-pixel
// reconstruction losses run in fused kernels (`ReconstructionScoring.swift`).

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
