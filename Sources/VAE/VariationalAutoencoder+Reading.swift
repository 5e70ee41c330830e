import RealModule
import Randomness
import Tensors

/// Reading a model: its outputs, latent codes and posteriors after a pass,
/// decoding codes, and the importance weights of `eval`'s bound.
extension VariationalAutoencoder {
    /// The decoder's outputs for the last forward pass or decode (rows ×
    /// inputSize), after the output activation that pass used: the mean of
    /// p(x|z) (Bernoulli probabilities for `bce`, Gaussian means for
    /// `gaussian`), or the point `mse`/`mae` compared with x.
    public func outputs(rows: Int) -> Matrix {
        workspace.probabilities.prefix(rows: rows)
    }

    /// μ of the last forward pass (rows × latent, as a copy).
    public func latentMeans(rows: Int) -> [[Float]] {
        let head = workspace.head.prefix(rows: rows)
        return (0..<rows).map { row in (0..<architecture.latent).map { head[row, $0] } }
    }

    /// μ and log σ² of q(z|x) from the last forward pass, as a view
    /// (rows × 2·latent: μ in the first `latent` columns).
    public func posterior(rows: Int) -> Matrix {
        workspace.head.prefix(rows: rows)
    }

    /// Decodes latent codes (rows × latent) into the decoder's outputs after
    /// `activation`: pass the model's ``Reconstruction/outputActivation``
    /// (sigmoid for `bce` and `mse`, identity for `mae` and `gaussian`). The
    /// default is the sigmoid every model had before the identity outputs.
    public func decode(_ codes: [[Float]], activation: OutputActivation = .sigmoid) -> Matrix {
        let rows = codes.count
        precondition(rows > 0 && rows <= batchCapacity, "decoding \(rows) codes exceeds capacity \(batchCapacity)")
        let latent = workspace.latent.prefix(rows: rows)
        for (row, code) in codes.enumerated() {
            precondition(code.count == architecture.latent, "latent code of length \(code.count)")
            for (column, value) in code.enumerated() { latent[row, column] = value }
        }
        let logits = runDecoder(rows: rows, groups: .single(rows: rows))
        let outputs = workspace.probabilities.prefix(rows: rows)
        switch activation {
        case .sigmoid:
            _ = logits.logisticLoss(.crossEntropy, targets: logits, probabilities: outputs, gradient: nil)
        case .identity:
            outputs.flattened.copy(from: logits.flattened)
        }
        return outputs
    }

    /// Log importance weights of one image under K codes drawn from q(z|x):
    /// log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x), z_k = μ(x) + σ(x)·ε_k,
    /// with log p(x|z) the model's own `likelihood` in nats: −BCE for the
    /// Bernoulli decoder, −½ Σ [log 2π + log σ² + (x − μ)²/σ²] for the
    /// Gaussian (which needs ``Architecture/hasDecoderLogVariance``: a
    /// precondition). Models trained with `mse` or `mae` have no likelihood:
    /// ``Reconstruction/likelihood`` is nil for them, and a caller refuses
    /// them there, before it has a `Likelihood` to pass. The default is the
    /// Bernoulli, the only likelihood before the Gaussian. Their log-mean-exp
    /// is the IWAE bound (Burda et al., 2016); a single one is a one-sample
    /// ELBO with the KL term estimated by sampling.
    ///
    /// `batch.input` holds the image in every row and `batch.noise` the K
    /// draws ε_k; the encoder runs once, the decoder on all K codes.
    public func logImportanceWeights(_ batch: Batch, likelihood: Likelihood = .bernoulli) -> [Double] {
        let reconstruction = likelihood.reconstruction
        checkMatchesArchitecture(reconstruction)
        let rows = batch.input.rows
        let latentSize = architecture.latent
        var activation = batch.input.prefix(rows: 1)
        for (index, layer) in encoder.enumerated() {
            let output = workspace.encoderOutputs[index].prefix(rows: 1)
            layer.forward(activation, into: output, relu: true)
            activation = output
        }
        let head = workspace.head.prefix(rows: 1)
        self.head.forward(activation, into: head, relu: false)
        // log p(z) − log q(z|x) = Σ_j −½ z_j² + ½ log σ_j² + ½ ε_j² (the 2π terms cancel).
        var priorRatio = [Double](repeating: 0, count: rows)
        let latent = workspace.latent.prefix(rows: rows)
        for row in 0..<rows {
            var sum: Double = 0
            for j in 0..<latentSize {
                let mu = head[0, j], logVariance = head[0, latentSize + j], epsilon = batch.noise[row, j]
                let z = mu + Float.exp(0.5 * logVariance) * epsilon
                latent[row, j] = z
                sum += Double(-0.5 * z * z + 0.5 * logVariance + 0.5 * epsilon * epsilon)
            }
            priorRatio[row] = sum
        }
        let logits = runDecoder(rows: rows, groups: .single(rows: rows))
        let losses = workspace.rowLosses.slice(from: 0, count: rows)
        _ = reconstruction.score(decoderOutput: logits, targets: batch.input, logVariance: decoderLogVariance?[0],
                                 means: workspace.probabilities.prefix(rows: rows), gradient: nil, accumulate: false,
                                 rowLosses: losses)
        return (0..<rows).map { -Double(losses[$0]) + priorRatio[$0] }
    }
}
