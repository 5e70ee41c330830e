import Testing
@testable import Tensors

/// The node-local gradient sum of `--gradient-sync shared`: terms added in
/// the given order, with the destination allowed to be one of them.
@Suite struct SumKernelTests {
    /// 21 elements: two 8-wide blocks and a scalar tail.
    static func terms() -> [FloatBuffer] {
        (0..<3).map { term in FloatBuffer((0..<21).map { Float($0) * 0.1 + Float(term) * 1e7 + 0.3 }) }
    }

    @Test func sumIntoASeparateVectorAddsInOrder() {
        let terms = Self.terms()
        let result = FloatBuffer(count: 21)
        result.all.storeSum(of: terms.map(\.all))
        for i in 0..<21 {
            #expect(result[i] == (terms[0][i] + terms[1][i]) + terms[2][i], "element \(i)")
        }
    }

    @Test(arguments: [0, 1, 2])
    func sumIntoOneOfTheTermsReadsItBeforeWritingIt(destination: Int) {
        let terms = Self.terms()
        let expected = (0..<21).map { (terms[0][$0] + terms[1][$0]) + terms[2][$0] }
        terms[destination].all.storeSum(of: terms.map(\.all))
        #expect(terms[destination].all.array == expected)
    }
}
