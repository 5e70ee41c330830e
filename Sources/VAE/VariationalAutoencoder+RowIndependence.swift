import Randomness
import Tensors

extension VariationalAutoencoder {
    /// Whether the row-wise GEMMs (forward, and the input gradients) give
    /// every row the same bits on a batch of `groups × rowsPerGroup` rows as
    /// on one group's rows alone, for this architecture on this BLAS and CPU.
    ///
    /// BLAS does not promise it: a kernel may pick another code path, or
    /// another order of the inner sum, by the row count. So it is measured:
    /// one forward and backward on seeded random parameters and data, first
    /// group by group, then on the whole batch, and every group's loss terms
    /// and gradients compared bit for bit. Nothing of the caller's is touched
    /// (the check runs on a model of its own).
    public static func rowwiseGEMMsAreRowCountIndependent(architecture: Architecture, objective: Objective,
                                                          groups: Int, rowsPerGroup: Int) -> Bool {
        precondition(groups > 0 && rowsPerGroup > 0, "row groups must be non-empty")
        if groups == 1 { return true }
        let count = ParameterLayout(architecture).count
        let gradients = FloatBuffer(count: count * groups)
        let model = VariationalAutoencoder(
            architecture: architecture, parameters: FloatBuffer(count: count).all,
            groupGradients: .separate((0..<groups).map { gradients.vector(offset: $0 * count, count: count) }),
            batchCapacity: groups * rowsPerGroup)
        var generator = SplitMix64(seed: 0x5EED_0F_0B1A5)
        model.initializeParameters(using: &generator)
        if let offset = model.layout.decoderLogVarianceOffset {
            let logVariance = model.parameters.slice(from: offset, count: architecture.inputSize)
            for index in 0..<logVariance.count { logVariance[index] = generator.nextFloat(in: -1..<1) }
        }
        let batch = model.batch(rows: groups * rowsPerGroup)
        for index in 0..<batch.input.count { batch.input.flattened[index] = generator.nextFloat(in: 0..<1) }
        for index in 0..<batch.noise.count { batch.noise.flattened[index] = generator.nextFloat(in: -2..<2) }

        let split = model.lossAndGradientsByRowGroup(batch, objective: objective, accumulate: false,
                                                     splittingRowwiseGEMMs: true)
        let splitGradients = FloatBuffer(count: gradients.count)
        splitGradients.all.copy(from: gradients.all)
        let whole = model.lossAndGradientsByRowGroup(batch, objective: objective, accumulate: false,
                                                     splittingRowwiseGEMMs: false)
        return split.map(\.bitPatterns) == whole.map(\.bitPatterns) && splitGradients.all.hasSameBits(as: gradients.all)
    }
}

extension LossTerms {
    /// The three figures' exact bits, for comparisons in which −0 ≠ 0 and NaN = NaN.
    var bitPatterns: [UInt64] { [loss.bitPattern, reconstruction.bitPattern, kl.bitPattern] }
}
