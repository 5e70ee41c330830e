extension Matrix {
    /// Adds this block's rows to running statistics, in Double: per-column
    /// sums and sums of squares, and the extremes, over the rows whose values
    /// are all finite. Returns how many rows that was and the index (within
    /// this matrix) of the first row holding a NaN or an infinity, whose
    /// values are left out so the statistics stay usable for the report.
    public func accumulateFiniteRowStatistics(sums: inout [Double], sumsOfSquares: inout [Double],
                                              minimum: inout Double, maximum: inout Double)
        -> (finiteRows: Int, firstNonFiniteRow: Int?) {
        precondition(sums.count == columns && sumsOfSquares.count == columns, "statistics for \(columns) columns")
        var finiteRows = 0
        var firstNonFinite: Int?
        var low = minimum
        var high = maximum
        sums.withUnsafeMutableBufferPointer { sums in
            sumsOfSquares.withUnsafeMutableBufferPointer { squares in
                for r in 0..<rows {
                    let row = buffer.base + offset + r * columns
                    // A row sum of Floats in Double is finite exactly when every value is.
                    var total = 0.0
                    for c in 0..<columns { total += Double(row[c]) }
                    guard total.isFinite else {
                        if firstNonFinite == nil { firstNonFinite = r }
                        continue
                    }
                    finiteRows += 1
                    for c in 0..<columns {
                        let value = Double(row[c])
                        sums[c] += value
                        squares[c] += value * value
                        low = Swift.min(low, value)
                        high = Swift.max(high, value)
                    }
                }
            }
        }
        minimum = low
        maximum = high
        return (finiteRows, firstNonFinite)
    }
}
