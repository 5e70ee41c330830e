import Testing
@testable import Tensors

/// A naive triple loop: the definition gemm must agree with.
private func reference(_ a: [[Float]], _ b: [[Float]]) -> [[Float]] {
    a.map { row in (0..<b[0].count).map { j in zip(row, b.map { $0[j] }).reduce(0) { $0 + $1.0 * $1.1 } } }
}

private func transpose(_ m: [[Float]]) -> [[Float]] {
    (0..<m[0].count).map { j in m.map { $0[j] } }
}

private func matrix(_ values: [[Float]], in buffer: FloatBuffer, at offset: Int) -> Matrix {
    let view = buffer.matrix(offset: offset, rows: values.count, columns: values[0].count)
    for (r, row) in values.enumerated() { for (c, value) in row.enumerated() { view[r, c] = value } }
    return view
}

@Suite struct GEMMTests {
    let a: [[Float]] = [[1, 2, 3], [4, 5, 6]]                   // 2x3
    let b: [[Float]] = [[1, 0, -1, 2], [0.5, 1, 0, 3], [2, -2, 1, 0]]  // 3x4

    @Test(arguments: [false, true], [false, true])
    func matchesNaiveProductForEveryTransposeCombination(transposeA: Bool, transposeB: Bool) {
        let storedA = transposeA ? transpose(a) : a
        let storedB = transposeB ? transpose(b) : b
        let buffer = FloatBuffer(count: 64)
        let viewA = matrix(storedA, in: buffer, at: 0)
        let viewB = matrix(storedB, in: buffer, at: 8)
        let c = buffer.matrix(offset: 24, rows: 2, columns: 4)
        switch (transposeA, transposeB) {
        case (false, false): gemm(viewA, viewB, into: c)
        case (true, false): gemm(viewA.transposed, viewB, into: c)
        case (false, true): gemm(viewA, viewB.transposed, into: c)
        case (true, true): gemm(viewA.transposed, viewB.transposed, into: c)
        }
        let expected = reference(a, b)
        for r in 0..<2 { for col in 0..<4 { #expect(c[r, col] == expected[r][col]) } }
    }

    /// beta = 0 overwrites the output: whatever it held, NaN included, is
    /// not multiplied by 0 but cleared (as BLAS specifies).
    @Test func zeroBetaOverwritesAnOutputHoldingNaN() {
        let buffer = FloatBuffer(count: 64)
        let viewA = matrix(a, in: buffer, at: 0)
        let viewB = matrix(b, in: buffer, at: 8)
        let c = buffer.matrix(offset: 24, rows: 2, columns: 4)
        c.flattened.fill(.nan)
        gemm(viewA, viewB, into: c)
        let expected = reference(a, b)
        for r in 0..<2 { for col in 0..<4 { #expect(c[r, col] == expected[r][col]) } }
    }

    @Test func betaAccumulatesIntoTheOutput() {
        let buffer = FloatBuffer(count: 64)
        let viewA = matrix(a, in: buffer, at: 0)
        let viewB = matrix(b, in: buffer, at: 8)
        let c = buffer.matrix(offset: 24, rows: 2, columns: 4)
        c.flattened.fill(1)
        gemm(viewA, viewB, into: c, alpha: 2, beta: 1)
        let expected = reference(a, b)
        for r in 0..<2 { for col in 0..<4 { #expect(c[r, col] == 2 * expected[r][col] + 1) } }
    }
}

@Suite struct KernelTests {
    @Test func biasAndReLUAreAppliedPerRow() {
        let buffer = FloatBuffer([-1, 2, 0.5, -3, 10, 20])
        let m = buffer.matrix(offset: 0, rows: 2, columns: 2)
        let bias = buffer.vector(offset: 4, count: 2)
        m.addRowVector(bias, relu: true)
        #expect(buffer.all.array == [9, 22, 10.5, 17, 10, 20])
        let linear = FloatBuffer([-30, 0, 1, 1])
        linear.matrix(offset: 0, rows: 1, columns: 2).addRowVector(linear.vector(offset: 2, count: 2), relu: true)
        #expect(linear.all.array == [0, 1, 1, 1])
    }

    @Test func reluMaskZeroesGradientWhereActivationWasZero() {
        let grads = FloatBuffer([1, 2, 3, 4])
        let acts = FloatBuffer([0, 0.5, 0, 2])
        grads.matrix(offset: 0, rows: 2, columns: 2).maskByPositive(acts.matrix(offset: 0, rows: 2, columns: 2))
        #expect(grads.all.array == [0, 2, 0, 4])
    }

    @Test func rowSumsAccumulateOnRequest() {
        let buffer = FloatBuffer([1, 2, 3, 4, 5, 6, 0, 0, 0])
        let m = buffer.matrix(offset: 0, rows: 2, columns: 3)
        let sums = buffer.vector(offset: 6, count: 3)
        m.sumRows(into: sums)
        #expect(sums.array == [5, 7, 9])
        m.sumRows(into: sums, accumulate: true)
        #expect(sums.array == [10, 14, 18])
    }

    @Test func gatherScalesTheChosenRows() {
        let bytes: [UInt8] = [0, 255, 51, 102, 204, 153]
        let m = FloatBuffer(count: 4).matrix(offset: 0, rows: 2, columns: 2)
        m.gatherRows(from: bytes, rowIndices: [2, 0], scale: 1 / 255)
        let expected: [Float] = [204, 153, 0, 255].map { $0 / 255 }
        #expect(zip(m.flattened.array, expected).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    @Test func finitenessDetectsNaNAndInfinity() {
        let buffer = FloatBuffer([1, 2, 3])
        #expect(buffer.all.isFinite)
        buffer[1] = .nan
        #expect(!buffer.all.isFinite)
        buffer[1] = .infinity
        #expect(!buffer.all.isFinite)
    }

    /// 75 elements: two 32-wide blocks, an 8-wide one and a tail of three;
    /// one bad value anywhere is found, and huge finite values are not bad.
    @Test func finitenessFindsABadValueAtEveryPosition() {
        let buffer = FloatBuffer((0..<75).map { $0 % 2 == 0 ? Float.greatestFiniteMagnitude : -Float($0) })
        #expect(buffer.all.isFinite)
        for position in 0..<75 {
            for bad in [Float.nan, .infinity, -.infinity] {
                let saved = buffer[position]
                buffer[position] = bad
                #expect(!buffer.all.isFinite, "\(bad) at \(position)")
                buffer[position] = saved
            }
        }
    }

    @Test func littleEndianBytesRoundTrip() {
        let buffer = FloatBuffer([1.5, -2, .leastNonzeroMagnitude])
        let copy = FloatBuffer(count: 3)
        copy.all.load(littleEndianBytes: buffer.all.littleEndianBytes[...])
        #expect(copy.all.array == buffer.all.array)
        #expect(Array(buffer.all.littleEndianBytes.prefix(4)) == [0, 0, 0xc0, 0x3f])
    }
}
