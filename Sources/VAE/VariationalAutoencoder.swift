import RealModule
import Randomness
import Tensors

/// The MLP VAE, forward and backward, on BLAS.
///
/// The parameters and gradients are views into caller-owned buffers (one
/// contiguous range each), so the trainer can allreduce or checkpoint them
/// whole. `batch(rows:)` hands out the input and noise matrices to fill; then
/// `lossAndGradients` or `loss` runs on them.
///
/// A model made with ``GroupGradients`` cuts every batch into equal row
/// groups and keeps each group's gradients apart, or adds them in a fixed
/// tree (``lossAndGradientsByRowGroup(_:objective:accumulate:splittingRowwiseGEMMs:)``):
/// `--deterministic`'s micro-shards, computed in one pass over the rank's batch.
public final class VariationalAutoencoder {
    public let architecture: Architecture
    public let layout: ParameterLayout
    public let parameters: Vector
    /// The first (usually only) gradient buffer.
    public var gradients: Vector { gradientBuffers[0] }
    /// One gradient buffer per row group, or one for their pairwise sum.
    public let gradientBuffers: [Vector]
    public let groupGradients: GroupGradients
    public let batchCapacity: Int

    private let encoder: [LinearLayer]
    private let head: LinearLayer
    private let decoder: [LinearLayer]
    /// The Gaussian decoder's log σ², when the architecture has it, with
    /// each row group's gradient (in `groupTerms` for a pairwise sum).
    private let decoderLogVariance: [DecoderLogVariance]?
    /// Where a pairwise sum of groups puts log σ²'s gradient.
    private let decoderLogVarianceSum: Vector?
    /// The groups' terms before a pairwise sum adds them.
    private let groupTerms: GroupTerms?
    private let workspace: Workspace

    /// One batch's input (rows × inputSize; in [0, 1] for the sigmoid
    /// outputs, on any scale for the identity ones) and reparameterization
    /// noise (rows × latent).
    public struct Batch {
        public let input: Matrix
        public let noise: Matrix

        /// Rows `start ..< start + count` of the input and the noise.
        public func rows(from start: Int, count: Int) -> Batch {
            Batch(input: input.rows(from: start, count: count), noise: noise.rows(from: start, count: count))
        }
    }

    public convenience init(architecture: Architecture, parameters: Vector, gradients: Vector, batchCapacity: Int) {
        self.init(architecture: architecture, parameters: parameters, groupGradients: .separate([gradients]),
                  batchCapacity: batchCapacity)
    }

    /// A model whose batches are cut into `groupGradients.groupCount` equal
    /// row groups, their gradients kept apart or summed as it says.
    public init(architecture: Architecture, parameters: Vector, groupGradients: GroupGradients, batchCapacity: Int) {
        let layout = ParameterLayout(architecture)
        let buffers = groupGradients.buffers
        let groups = groupGradients.groupCount
        precondition(!buffers.isEmpty, "a model needs at least one gradient buffer")
        if case .pairwiseSum = groupGradients {
            precondition(groups > 0 && groups & (groups - 1) == 0, "a pairwise sum needs a power-of-two count of groups")
        }
        precondition(parameters.count == layout.count && buffers.allSatisfy { $0.count == layout.count },
                     "parameter and gradient views must hold \(layout.count) floats")
        precondition(batchCapacity > 0, "batch capacity must be positive")
        self.architecture = architecture
        self.layout = layout
        self.parameters = parameters
        self.gradientBuffers = buffers
        self.groupGradients = groupGradients
        self.batchCapacity = batchCapacity
        encoder = layout.encoder.map { LinearLayer($0, parameters: parameters, gradients: buffers) }
        head = LinearLayer(layout.head, parameters: parameters, gradients: buffers)
        decoder = layout.decoder.map { LinearLayer($0, parameters: parameters, gradients: buffers) }
        let workspace = Workspace(architecture: architecture, capacity: batchCapacity)
        let terms: GroupTerms?
        if case .pairwiseSum = groupGradients {
            terms = GroupTerms(architecture: architecture, groups: groups, rowsPerGroup: max(batchCapacity / groups, 1))
        } else {
            terms = nil
        }
        let size = architecture.inputSize
        decoderLogVarianceSum = terms == nil ? nil : layout.decoderLogVarianceOffset.map { buffers[0].slice(from: $0, count: size) }
        decoderLogVariance = layout.decoderLogVarianceOffset.map { offset in
            (0..<groups).map { group in
                DecoderLogVariance(values: parameters.slice(from: offset, count: size),
                                   gradient: terms.map { $0.logVariances.vector(offset: group * size, count: size) }
                                       ?? buffers[group].slice(from: offset, count: size),
                                   precision: workspace.decoderPrecision)
            }
        }
        groupTerms = terms
        self.workspace = workspace
    }

    /// Convenience for tools and tests: a model that owns its own buffers.
    public convenience init(architecture: Architecture, batchCapacity: Int) {
        let count = ParameterLayout(architecture).count
        self.init(architecture: architecture, parameters: FloatBuffer(count: count).all,
                  gradients: FloatBuffer(count: count).all, batchCapacity: batchCapacity)
    }

    /// PyTorch's default initialization, layer by layer in `state_dict` order;
    /// a Gaussian decoder's log σ² starts at 0 (σ = 1) and draws nothing, so
    /// the layers get the same numbers as in a model without it.
    public func initializeParameters(using generator: inout some RandomNumberGenerator) {
        for layer in encoder { layer.initialize(using: &generator) }
        // fc_mu then fc_logvar, each as its own nn.Linear would be.
        let latent = architecture.latent
        let width = architecture.encoderOutputSize
        let bound = 1 / Float(width).squareRoot()
        for part in 0..<2 {
            for index in (part * latent * width)..<((part + 1) * latent * width) {
                head.weight.flattened[index] = generator.nextFloat(in: -bound..<bound)
            }
            for index in (part * latent)..<((part + 1) * latent) {
                head.bias[index] = generator.nextFloat(in: -bound..<bound)
            }
        }
        for layer in decoder { layer.initialize(using: &generator) }
        decoderLogVariance?[0].values.fill(0)
    }

    /// Views of the first `rows` rows of the input and noise buffers.
    public func batch(rows: Int) -> Batch {
        precondition(rows > 0 && rows <= batchCapacity, "batch of \(rows) rows exceeds capacity \(batchCapacity)")
        return Batch(input: workspace.input.prefix(rows: rows), noise: workspace.noise.prefix(rows: rows))
    }

    /// The row groups of a batch of `rows` rows (a precondition: they divide evenly).
    private func rowGroups(rows: Int, splittingRowwiseGEMMs: Bool) -> RowGroups {
        let count = groupGradients.groupCount
        precondition(rows % count == 0, "a batch of \(rows) rows does not split into \(count) row groups")
        return RowGroups(count: count, rowsPerGroup: rows / count, splitsRowwiseGEMMs: splittingRowwiseGEMMs)
    }

    /// Forward only: the summed loss terms of the batch.
    ///
    /// `objective.reconstruction` must match the architecture: `gaussian`
    /// exactly when it has ``Architecture/hasDecoderLogVariance`` (a
    /// precondition).
    public func loss(_ batch: Batch, objective: Objective) -> LossTerms {
        total(forward(batch, objective: objective, groups: rowGroups(rows: batch.input.rows, splittingRowwiseGEMMs: false),
                      keepGradient: false, accumulate: false))
    }

    /// Forward and backward: the summed loss terms, with dLoss/dParameters
    /// written to `gradients` (added to it when `accumulate`), the Gaussian
    /// decoder's log σ² included. Same precondition as ``loss(_:objective:)``.
    ///
    /// `afterLayer` is called as each layer's gradients are complete, last
    /// layer first, with the number of layers still to go: the decoder's are
    /// done when it reports `encoderLayerCount` left, and a trainer can start
    /// sending them while the encoder's backward runs.
    public func lossAndGradients(_ batch: Batch, objective: Objective, accumulate: Bool = false,
                                 afterLayer: ((_ layersLeft: Int) -> Void)? = nil) -> LossTerms {
        let groups = rowGroups(rows: batch.input.rows, splittingRowwiseGEMMs: false)
        let terms = forward(batch, objective: objective, groups: groups, keepGradient: true, accumulate: accumulate)
        backward(batch, objective: objective, groups: groups, accumulate: accumulate, afterLayer: afterLayer)
        return total(terms)
    }

    /// Forward and backward with the batch cut into this model's row groups:
    /// each group's loss terms (summed over its rows in row order) and its
    /// gradients in its own buffer, the same bits as a one-group model of
    /// the group's rows alone would give — always for the weight and bias
    /// gradients, which are computed per group; for the rest, when
    /// `splittingRowwiseGEMMs`, or when the BLAS gives rows the same bits at
    /// any row count (``rowwiseGEMMsAreRowCountIndependent(objective:groupRows:)``
    /// checks that for this model's shapes).
    public func lossAndGradientsByRowGroup(_ batch: Batch, objective: Objective, accumulate: Bool,
                                           splittingRowwiseGEMMs: Bool) -> [LossTerms] {
        let groups = rowGroups(rows: batch.input.rows, splittingRowwiseGEMMs: splittingRowwiseGEMMs)
        let terms = forward(batch, objective: objective, groups: groups, keepGradient: true, accumulate: accumulate)
        backward(batch, objective: objective, groups: groups, accumulate: accumulate, afterLayer: nil)
        return terms
    }

    /// One group's terms as they are; several added in group order.
    private func total(_ terms: [LossTerms]) -> LossTerms {
        terms.count == 1 ? terms[0] : terms.reduce(LossTerms(), +)
    }

    /// Layers whose gradients come after the decoder's (the encoder and the μ/log σ² head).
    public var encoderLayerCount: Int { encoder.count + 1 }

    /// Where the decoder's parameters start in the flat buffer: they run to
    /// its end (a Gaussian decoder's log σ² last), so its gradients are one
    /// contiguous block, complete when the encoder's backward begins.
    public var decoderOffset: Int { layout.decoder.first?.weightOffset ?? layout.count }

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

    /// The loss terms of each row group.
    private func forward(_ batch: Batch, objective: Objective, groups: RowGroups, keepGradient: Bool,
                         accumulate: Bool) -> [LossTerms] {
        checkMatchesArchitecture(objective.reconstruction)
        let rows = batch.input.rows
        var activation = batch.input
        for (index, layer) in encoder.enumerated() {
            let output = workspace.encoderOutputs[index].prefix(rows: rows)
            groups.apply(to: activation, into: output) { layer.forward($0, into: $1, relu: true) }
            activation = output
        }
        let head = workspace.head.prefix(rows: rows)
        groups.apply(to: activation, into: head) { self.head.forward($0, into: $1, relu: false) }
        let latent = workspace.latent.prefix(rows: rows)
        let kl = (0..<groups.count).map { group in
            let rows = groups.rows(of: group)
            return reparameterize(head: head.rows(from: rows.lowerBound, count: rows.count),
                                  noise: batch.noise.rows(from: rows.lowerBound, count: rows.count),
                                  into: latent.rows(from: rows.lowerBound, count: rows.count))
        }
        let logits = runDecoder(rows: rows, groups: groups)
        let means = workspace.probabilities.prefix(rows: rows)
        let gradient = keepGradient ? workspace.decoderGradients[decoder.count - 1].prefix(rows: rows) : nil
        let terms = (0..<groups.count).map { group in
            let range = groups.rows(of: group)
            func part(_ matrix: Matrix) -> Matrix { matrix.rows(from: range.lowerBound, count: range.count) }
            // The last layer's gradient goes straight into place for the backward;
            // a Gaussian's log σ² gradient is complete here, before any layer's.
            let reconstruction = objective.reconstruction.score(
                decoderOutput: part(logits), targets: part(batch.input), logVariance: decoderLogVariance?[group],
                means: part(means), gradient: gradient.map(part), accumulate: accumulate, rowLosses: nil)
            return LossTerms(loss: reconstruction + Double(objective.beta) * kl[group], reconstruction: reconstruction,
                             kl: kl[group])
        }
        if keepGradient, let sum = decoderLogVarianceSum, let parts = decoderLogVariance {
            sum.setPairwiseSum(of: parts.map(\.gradient))
        }
        return terms
    }

    /// A Gaussian reconstruction needs the log-variance vector and the others
    /// would leave its gradient unwritten: the objective must fit the model.
    private func checkMatchesArchitecture(_ reconstruction: Reconstruction) {
        precondition(reconstruction.learnsDecoderVariance == architecture.hasDecoderLogVariance,
                     "reconstruction \(reconstruction.rawValue) does not fit a \(architecture) model")
    }

    /// Runs the decoder from `workspace.latent`; returns the logits.
    private func runDecoder(rows: Int, groups: RowGroups) -> Matrix {
        var activation = workspace.latent.prefix(rows: rows)
        for (index, layer) in decoder.enumerated() {
            let output = workspace.decoderOutputs[index].prefix(rows: rows)
            groups.apply(to: activation, into: output) { layer.forward($0, into: $1, relu: index < decoder.count - 1) }
            activation = output
        }
        return activation
    }

    private func backward(_ batch: Batch, objective: Objective, groups: RowGroups, accumulate: Bool,
                          afterLayer: ((Int) -> Void)?) {
        let rows = batch.input.rows
        // Decoder, last layer first; the logit gradient is already in place.
        for index in stride(from: decoder.count - 1, through: 0, by: -1) {
            let outputGradient = workspace.decoderGradients[index].prefix(rows: rows)
            let input = index == 0 ? workspace.latent.prefix(rows: rows) : workspace.decoderOutputs[index - 1].prefix(rows: rows)
            let inputGradient = index == 0
                ? workspace.latentGradient.prefix(rows: rows) : workspace.decoderGradients[index - 1].prefix(rows: rows)
            decoder[index].backward(outputGradient: outputGradient, input: input, inputGradient: inputGradient,
                                    accumulate: accumulate, groups: groups, terms: groupTerms)
            if index > 0 { inputGradient.maskByPositive(input) }
            afterLayer?(index + encoderLayerCount)
        }

        let headGradient = workspace.headGradient.prefix(rows: rows)
        reparameterizeBackward(head: workspace.head.prefix(rows: rows), noise: batch.noise,
                               latentGradient: workspace.latentGradient.prefix(rows: rows),
                               beta: objective.beta, into: headGradient)

        let encoderCount = encoder.count
        let headInput = encoderCount == 0 ? batch.input : workspace.encoderOutputs[encoderCount - 1].prefix(rows: rows)
        let headInputGradient = encoderCount == 0 ? nil : workspace.encoderGradients[encoderCount - 1].prefix(rows: rows)
        head.backward(outputGradient: headGradient, input: headInput, inputGradient: headInputGradient, accumulate: accumulate,
                      groups: groups, terms: groupTerms)
        if let headInputGradient { headInputGradient.maskByPositive(headInput) }
        afterLayer?(encoderCount)

        // Encoder; the first layer needs no gradient for the data.
        for index in stride(from: encoderCount - 1, through: 0, by: -1) {
            let outputGradient = workspace.encoderGradients[index].prefix(rows: rows)
            let input = index == 0 ? batch.input : workspace.encoderOutputs[index - 1].prefix(rows: rows)
            let inputGradient = index == 0 ? nil : workspace.encoderGradients[index - 1].prefix(rows: rows)
            encoder[index].backward(outputGradient: outputGradient, input: input, inputGradient: inputGradient,
                                    accumulate: accumulate, groups: groups, terms: groupTerms)
            if let inputGradient { inputGradient.maskByPositive(input) }
            afterLayer?(index)
        }
    }
}
