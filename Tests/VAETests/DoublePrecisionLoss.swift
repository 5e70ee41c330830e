import Foundation
@testable import VAE

/// The VAE's loss written again from its definition, in Double, over the
/// same flat parameter layout: reconstruction + β·KL through the
/// reparameterization, summed over the rows.
///
/// It exists for the finite-difference checks. A central difference of the
/// model's own Float loss carries that loss's rounding divided by the step,
/// and the rounding depends on the BLAS kernel's summation order: on
/// OpenBLAS's Prescott kernel it alone pushed a correct gradient past a 2%
/// tolerance. In Double, with a step of 1e-6, the difference is accurate to
/// about 1e-8, whatever BLAS the model itself runs on.
///
/// Written from the formulas (ReLU MLPs, z = μ + exp(½ log σ²)·ε,
/// KL = −½ Σ (1 + log σ² − μ² − σ²), the reconstructions of
/// ``Reconstruction``), not from the model's kernels, so it is an
/// independent check of them.
struct DoublePrecisionLoss {
    let architecture: Architecture
    let layout: ParameterLayout
    let objective: Objective
    /// Rows of the batch: inputs (rows × inputSize) and noise (rows × latent).
    let inputs: [[Double]]
    let noise: [[Double]]

    init(architecture: Architecture, objective: Objective, inputs: [[Double]], noise: [[Double]]) {
        self.architecture = architecture
        self.layout = ParameterLayout(architecture)
        self.objective = objective
        self.inputs = inputs
        self.noise = noise
    }

    /// The summed loss at `parameters` (the model's flat layout, in Double).
    func loss(_ parameters: [Double]) -> Double {
        var total = 0.0
        for (x, epsilon) in zip(inputs, noise) {
            total += rowLoss(parameters, x: x, epsilon: epsilon)
        }
        return total
    }

    private func rowLoss(_ p: [Double], x: [Double], epsilon: [Double]) -> Double {
        var h = x
        for slot in layout.encoder {
            h = affine(p, slot, h).map { max($0, 0) }
        }
        let head = affine(p, layout.head, h)
        let latent = architecture.latent
        let mu = Array(head[0..<latent])
        let logVariance = Array(head[latent..<(2 * latent)])
        var kl = 0.0
        var z = [Double](repeating: 0, count: latent)
        for j in 0..<latent {
            z[j] = mu[j] + exp(0.5 * logVariance[j]) * epsilon[j]
            kl += -0.5 * (1 + logVariance[j] - mu[j] * mu[j] - exp(logVariance[j]))
        }
        var d = z
        for (index, slot) in layout.decoder.enumerated() {
            d = affine(p, slot, d)
            if index < layout.decoder.count - 1 { d = d.map { max($0, 0) } }
        }
        return reconstruction(logits: d, x: x, p) + Double(objective.beta) * kl
    }

    private func reconstruction(logits: [Double], x: [Double], _ p: [Double]) -> Double {
        var sum = 0.0
        for (feature, (l, target)) in zip(logits, x).enumerated() {
            switch objective.reconstruction {
            case .bce:
                // −[x log σ(l) + (1 − x) log(1 − σ(l))], in its overflow-free form.
                sum += max(l, 0) - target * l + log1p(exp(-abs(l)))
            case .mse:
                let difference = 1 / (1 + exp(-l)) - target
                sum += difference * difference
            case .mae:
                sum += abs(l - target)
            case .gaussian:
                guard let offset = layout.decoderLogVarianceOffset else {
                    preconditionFailure("a gaussian objective needs the decoder's log σ²")
                }
                let logVariance = p[offset + feature]
                sum += 0.5 * (log(2 * Double.pi) + logVariance + (target - l) * (target - l) / exp(logVariance))
            }
        }
        return sum
    }

    /// W·v + b for one layer slot (W stored [output, input], row-major).
    private func affine(_ p: [Double], _ slot: ParameterLayout.LayerSlot, _ v: [Double]) -> [Double] {
        (0..<slot.output).map { o in
            var sum = p[slot.biasOffset + o]
            for i in 0..<slot.input { sum += p[slot.weightOffset + o * slot.input + i] * v[i] }
            return sum
        }
    }
}
