import Testing
@testable import Tensors

/// The fused ReLU mask and bias-gradient sum gives exactly what the two
/// separate passes give, for rows with and without a tail after the last
/// full vector, written or accumulated.
@Suite struct MaskKernelTests {
    @Test(arguments: [1, 8, 13, 400], [false, true])
    func fusedMaskAndRowSumMatchTheTwoPasses(columns: Int, accumulate: Bool) {
        let rows = 5
        var state: UInt32 = 12_345
        func next() -> Float {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(Int32(bitPattern: state) >> 8) / Float(1 << 20)
        }
        let buffer = FloatBuffer(count: 2 * rows * columns)
        let gradient = buffer.matrix(offset: 0, rows: rows, columns: columns)
        let activations = buffer.matrix(offset: rows * columns, rows: rows, columns: columns)
        for i in 0..<(2 * rows * columns) { buffer[i] = next() }
        for i in stride(from: 0, to: rows * columns, by: 7) { activations.flattened[i] = 0 }
        activations.flattened[0] = .nan
        let copy = FloatBuffer(buffer.all.array)
        let start = (0..<columns).map { _ in next() }
        let fusedSums = FloatBuffer(start), separateSums = FloatBuffer(start)

        gradient.maskByPositive(activations, summingRowsInto: fusedSums.all, accumulate: accumulate)
        let separate = copy.matrix(offset: 0, rows: rows, columns: columns)
        separate.maskByPositive(copy.matrix(offset: rows * columns, rows: rows, columns: columns))
        separate.sumRows(into: separateSums.all, accumulate: accumulate)

        #expect(gradient.flattened.array.map(\.bitPattern) == separate.flattened.array.map(\.bitPattern))
        #expect(fusedSums.all.array.map(\.bitPattern) == separateSums.all.array.map(\.bitPattern))
    }
}
