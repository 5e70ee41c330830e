import Testing
@testable import Tensors

/// The fixed-order sum of `--deterministic`: a balanced pairwise tree, the
/// same bits however its aligned blocks are split between holders.
@Suite struct PairwiseSumTests {
    /// Terms whose magnitudes differ by up to 2^40, so a different grouping
    /// of the additions shows in the bits.
    static func terms(_ count: Int, length: Int, seed: UInt64) -> [Vector] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        return (0..<count).map { _ in
            FloatBuffer((0..<length).map { _ in
                (Float(next() % 2_000_001) / 1_000_000 - 1) * Float(sign: .plus, exponent: Int(next() % 40) - 20, significand: 1)
            }).all
        }
    }

    /// The tree written out by recursion, element by element.
    static func tree(_ terms: [Vector], _ index: Int) -> Float {
        terms.count == 1 ? terms[0][index]
            : tree(Array(terms[..<(terms.count / 2)]), index) + tree(Array(terms[(terms.count / 2)...]), index)
    }

    /// Lengths around the kernel's 512-element blocks.
    @Test(arguments: [1, 2, 4, 8, 16], [1, 7, 511, 512, 513, 1500])
    func sumIsTheBalancedTreeInIndexOrder(count: Int, length: Int) {
        let terms = Self.terms(count, length: length, seed: UInt64(count * 10_000 + length))
        let result = FloatBuffer(count: length).all
        result.setPairwiseSum(of: terms)
        #expect(result.array.map(\.bitPattern) == (0..<length).map { Self.tree(terms, $0).bitPattern })
    }

    /// What makes it rank-count independent: any split into aligned
    /// power-of-two blocks, summed apart and then together, gives the same bits.
    @Test(arguments: [1, 2, 4, 8])
    func blocksSummedApartThenTogetherGiveTheSameBits(blocks: Int) {
        let terms = Self.terms(8, length: 1_100, seed: 77)
        let whole = FloatBuffer(count: 1_100).all
        whole.setPairwiseSum(of: terms)
        let partials = (0..<blocks).map { block in
            let partial = FloatBuffer(count: 1_100).all
            partial.setPairwiseSum(of: Array(terms[(block * 8 / blocks)..<((block + 1) * 8 / blocks)]))
            return partial
        }
        let combined = FloatBuffer(count: 1_100).all
        combined.setPairwiseSum(of: partials)
        #expect(combined.hasSameBits(as: whole))
        // And the order matters at all for these terms: a left fold differs.
        let folded = (0..<1_100).map { index in terms.dropFirst().reduce(terms[0][index]) { $0 + $1[index] } }
        #expect(folded.map(\.bitPattern) != whole.array.map(\.bitPattern))
    }

    @Test func theResultMayBeTheFirstTerm() {
        let terms = Self.terms(8, length: 1_030, seed: 5)
        let expected = (0..<1_030).map { Self.tree(terms, $0) }
        terms[0].setPairwiseSum(of: terms)
        #expect(terms[0].array.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func bitComparisonTellsSignedZerosApart() {
        let zero = FloatBuffer([0, 1]).all, negativeZero = FloatBuffer([-0.0, 1]).all
        #expect(!zero.hasSameBits(as: negativeZero))
        #expect(zero.hasSameBits(as: FloatBuffer([0, 1]).all))
    }
}
