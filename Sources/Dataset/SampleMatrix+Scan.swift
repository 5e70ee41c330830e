import Tensors

extension SampleMatrix {
    /// Values converted per block of the scan (a 256 KiB Float buffer).
    static let scanBlockValues = 65_536

    /// Statistics of rows `rows` (see ``SampleStatistics``): each rank can
    /// scan its own share of the rows and the parts are merged after one
    /// collective. The rows are converted exactly as ``gather(rows:into:)``
    /// converts them, a block at a time into one reused buffer.
    public func scan(rows: Range<Int>) -> SampleStatistics {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= count, "scan of rows \(rows) outside 0..<\(count)")
        var statistics = SampleStatistics(featureCount: features)
        let blockRows = max(1, min(rows.count, Self.scanBlockValues / features))
        let buffer = FloatBuffer(count: blockRows * features)
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(start + blockRows, rows.upperBound)
            let block = Matrix(buffer: buffer, offset: 0, rows: end - start, columns: features)
            gather(rows: start..<end, into: block)
            let (finiteRows, firstNonFinite) = statistics.withAccumulators { sums, squares, minimum, maximum in
                block.accumulateFiniteRowStatistics(sums: &sums, sumsOfSquares: &squares, minimum: &minimum, maximum: &maximum)
            }
            statistics.add(rows: end - start, finiteRows: finiteRows, firstNonFinite: firstNonFinite, firstRow: start)
            start = end
        }
        return statistics
    }
}
