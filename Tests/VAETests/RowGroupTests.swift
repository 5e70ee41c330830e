import Randomness
import Tensors
import Testing
@testable import VAE

/// `--deterministic`'s micro-shards as row groups of one model: each group's
/// figures must be the same bits as a model of the group's rows alone, and
/// the pairwise-sum form the same bits however its groups are split between
/// models (between ranks).
@Suite struct RowGroupTests {
    /// Wide enough that the weight gradients are computed in several tiles,
    /// the last one partial (8-row tiles of the 20 × 3000 first layer,
    /// 1280-row tiles of the 3000 × 20 last one).
    static func architecture(_ reconstruction: Reconstruction) -> Architecture {
        Architecture(inputSize: 3_000, hidden: [20], latent: 4, hasDecoderLogVariance: reconstruction == .gaussian)
    }

    /// A multiple of 12 rows: OpenBLAS's Zen SGEMM computes a call's rows in
    /// chunks of 12 and its remainder rows another way, so only then can the
    /// whole-batch GEMMs pass the start-up check on this machine.
    static let rowsPerGroup = 12

    struct Setup {
        let architecture: Architecture
        let parameters: Vector
        let input: [Float]
        let noise: [Float]
        var count: Int { ParameterLayout(architecture).count }

        init(_ reconstruction: Reconstruction, rows: Int) {
            architecture = RowGroupTests.architecture(reconstruction)
            let model = VariationalAutoencoder(architecture: architecture, batchCapacity: 1)
            var generator = SplitMix64(seed: 31)
            model.initializeParameters(using: &generator)
            if let offset = model.layout.decoderLogVarianceOffset {
                for index in 0..<architecture.inputSize { model.parameters[offset + index] = generator.nextFloat(in: -0.5..<0.5) }
            }
            parameters = model.parameters
            input = (0..<(rows * architecture.inputSize)).map { _ in generator.nextFloat(in: 0..<1) }
            noise = (0..<(rows * architecture.latent)).map { _ in generator.nextFloat(in: -2..<2) }
        }

        /// Runs a model with `gradients` on rows `rows` of the data, its
        /// row-wise GEMMs split by group as `splitting` says or, when it is
        /// nil, as the start-up check decides for this model (as the trainer does).
        func run(_ gradients: GroupGradients, rows: Range<Int>, objective: Objective, splitting: Bool?) -> [LossTerms] {
            let model = VariationalAutoencoder(architecture: architecture, parameters: parameters, groupGradients: gradients,
                                               batchCapacity: rows.count)
            let batch = model.batch(rows: rows.count)
            let (width, latent) = (architecture.inputSize, architecture.latent)
            batch.input.flattened.copy(from: Array(input[(rows.lowerBound * width)..<(rows.upperBound * width)]))
            batch.noise.flattened.copy(from: Array(noise[(rows.lowerBound * latent)..<(rows.upperBound * latent)]))
            let groups = gradients.groupCount
            let split = splitting ?? !VariationalAutoencoder.rowwiseGEMMsAreRowCountIndependent(
                architecture: architecture, objective: objective, groups: groups, rowsPerGroup: rows.count / groups)
            return model.lossAndGradientsByRowGroup(batch, objective: objective, accumulate: false, splittingRowwiseGEMMs: split)
        }

        func buffers(_ count: Int) -> [Vector] { (0..<count).map { _ in FloatBuffer(count: self.count).all } }
    }

    static let objectives = [Objective(reconstruction: .bce, beta: 0.7), Objective(reconstruction: .gaussian, beta: 1)]

    /// Per-group GEMMs: the same bits as one plain model per group, on any BLAS.
    @Test(arguments: objectives)
    func eachGroupMatchesAModelOfItsRowsAlone(objective: Objective) {
        let groups = 4, rows = groups * Self.rowsPerGroup
        let setup = Setup(objective.reconstruction, rows: rows)
        let together = setup.buffers(groups)
        let terms = setup.run(.separate(together), rows: 0..<rows, objective: objective, splitting: true)
        for group in 0..<groups {
            let alone = setup.buffers(1)
            let rowRange = (group * Self.rowsPerGroup)..<((group + 1) * Self.rowsPerGroup)
            let aloneTerms = setup.run(.separate(alone), rows: rowRange, objective: objective, splitting: false)
            #expect(terms[group].bitPatterns == aloneTerms[0].bitPatterns, "group \(group)'s loss terms")
            #expect(together[group].hasSameBits(as: alone[0]), "group \(group)'s gradients")
        }
        #expect(together[1].array != together[2].array, "groups of different rows must differ")
    }

    /// Whole-batch row-wise GEMMs give the per-group bits exactly when the
    /// start-up check says this BLAS allows it.
    @Test(arguments: objectives)
    func wholeBatchGEMMsMatchPerGroupOnesWhereTheCheckSaysSo(objective: Objective) {
        let groups = 4, rows = groups * Self.rowsPerGroup
        let setup = Setup(objective.reconstruction, rows: rows)
        let (split, whole) = (setup.buffers(groups), setup.buffers(groups))
        let splitTerms = setup.run(.separate(split), rows: 0..<rows, objective: objective, splitting: true)
        let wholeTerms = setup.run(.separate(whole), rows: 0..<rows, objective: objective, splitting: false)
        let same = splitTerms.map(\.bitPatterns) == wholeTerms.map(\.bitPatterns)
            && zip(split, whole).allSatisfy { $0.hasSameBits(as: $1) }
        let verdict = VariationalAutoencoder.rowwiseGEMMsAreRowCountIndependent(
            architecture: setup.architecture, objective: objective, groups: groups, rowsPerGroup: Self.rowsPerGroup)
        #expect(verdict == same, "the check's verdict (\(verdict)) is not what whole-batch GEMMs do here")
    }

    /// The pairwise-sum form on 8 groups equals two models of 4 groups (two
    /// ranks) or eight of one (eight ranks) added as the tree's top levels:
    /// bit for bit, with the row-wise GEMMs split by group, and as the
    /// start-up check decides for each model.
    @Test(arguments: objectives, [true, nil])
    func pairwiseSumIsTheSameBitsSplitAcrossModels(objective: Objective, splitting: Bool?) {
        let groups = 8, rows = groups * Self.rowsPerGroup
        let setup = Setup(objective.reconstruction, rows: rows)
        let sum = FloatBuffer(count: setup.count).all
        let terms = setup.run(.pairwiseSum(groups: groups, into: sum), rows: 0..<rows, objective: objective, splitting: splitting)
        for models in [2, 8] {
            let perModel = groups / models
            let partials = (0..<models).map { model in
                let partial = FloatBuffer(count: setup.count).all
                let range = (model * perModel * Self.rowsPerGroup)..<((model + 1) * perModel * Self.rowsPerGroup)
                let partTerms = setup.run(.pairwiseSum(groups: perModel, into: partial), rows: range, objective: objective,
                                          splitting: splitting)
                #expect(partTerms.map(\.bitPatterns) == terms[(model * perModel)..<((model + 1) * perModel)].map(\.bitPatterns))
                return partial
            }
            let combined = FloatBuffer(count: setup.count).all
            combined.setPairwiseSum(of: partials)
            #expect(combined.hasSameBits(as: sum), "\(models) models of \(perModel) groups")
        }
        // The tiles and the tree change only the rounding: the plain sum of
        // per-group gradients agrees to float precision.
        let separate = setup.buffers(groups)
        _ = setup.run(.separate(separate), rows: 0..<rows, objective: objective, splitting: true)
        var worst: Float = 0
        for index in 0..<setup.count {
            let plain = separate.reduce(Float(0)) { $0 + $1[index] }
            worst = max(worst, abs(plain - sum[index]) / max(1, abs(plain)))
        }
        #expect(worst <= 1e-4, "pairwise sum differs from the plain sum by \(worst)")
        #expect(sum.maximumMagnitude > 1e-3, "an all-zero gradient would pass trivially")
    }
}
