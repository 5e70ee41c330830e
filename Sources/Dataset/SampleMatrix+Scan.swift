import Tensors

extension SampleMatrix {
    /// Values converted per block of the scan (a 256 KiB Float buffer).
    static let scanBlockValues = 65_536

    /// Statistics of rows `rows` (see ``SampleStatistics``): each rank can
    /// scan its own share of the rows and the parts are merged after one
    /// collective. The rows are converted exactly as ``gather(rows:into:)``
    /// converts them, a block at a time into one reused buffer.
    public func scan(rows: Range<Int>) -> SampleStatistics {
        scan(rowIndices: rows)
    }

    /// Statistics of the rows at `rowIndices`, in that order (a holdout split
    /// scans the training rows only); a non-finite row is reported by its
    /// index in the matrix.
    public func scan(rowIndices: some RandomAccessCollection<Int>) -> SampleStatistics {
        precondition(rowIndices.allSatisfy { $0 >= 0 && $0 < count }, "scan of rows outside 0..<\(count)")
        var statistics = SampleStatistics(featureCount: features)
        let blockRows = max(1, min(rowIndices.count, Self.scanBlockValues / max(features, 1)))
        let buffer = FloatBuffer(count: blockRows * features)
        var start = rowIndices.startIndex
        while start != rowIndices.endIndex {
            let end = rowIndices.index(start, offsetBy: blockRows, limitedBy: rowIndices.endIndex) ?? rowIndices.endIndex
            let chunk = rowIndices[start..<end]
            let block = Matrix(buffer: buffer, offset: 0, rows: chunk.count, columns: features)
            gather(rows: chunk, into: block)
            let (finiteRows, firstNonFinite) = statistics.withAccumulators { sums, squares, minimum, maximum in
                block.accumulateFiniteRowStatistics(sums: &sums, sumsOfSquares: &squares, minimum: &minimum, maximum: &maximum)
            }
            let firstBad = firstNonFinite.map { chunk[chunk.index(chunk.startIndex, offsetBy: $0)] }
            statistics.add(rows: chunk.count, finiteRows: finiteRows, firstNonFinite: firstBad, firstRow: 0)
            start = end
        }
        return statistics
    }
}
