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

    let encoder: [LinearLayer]
    let head: LinearLayer
    let decoder: [LinearLayer]
    /// The Gaussian decoder's log σ², when the architecture has it, with
    /// each row group's gradient (in `groupTerms` for a pairwise sum).
    let decoderLogVariance: [DecoderLogVariance]?
    /// Where a pairwise sum of groups puts log σ²'s gradient.
    let decoderLogVarianceSum: Vector?
    /// The groups' terms before a pairwise sum adds them.
    let groupTerms: GroupTerms?
    let workspace: Workspace

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
    /// any row count (``rowwiseGEMMsAreRowCountIndependent(architecture:objective:groups:rowsPerGroup:)``
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
}
