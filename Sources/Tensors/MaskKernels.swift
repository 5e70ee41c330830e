extension Matrix {
    /// ``maskByPositive(_:)`` and ``sumRows(into:accumulate:)`` in one pass:
    /// zeroes the gradient wherever the ReLU's output was not positive, and
    /// writes (or, when `accumulate`, adds) the masked rows' column sums to
    /// `rowSums`, the bias gradient of the layer this gradient flows into.
    ///
    /// The backward pass otherwise reads the same gradient twice in a row
    /// (the mask after one layer, the bias sum at the start of the next).
    /// Sums run over the rows in order from zero (or from the existing
    /// values), exactly as `sumRows` adds them: the same bits.
    public func maskByPositive(_ activations: Matrix, summingRowsInto rowSums: Vector, accumulate: Bool = false) {
        precondition(activations.rows == rows && activations.columns == columns, "ReLU mask shape mismatch")
        precondition(rowSums.count == columns, "row-sum target length \(rowSums.count) for \(columns) columns")
        precondition(!rowSums.overlaps(flattened) && !rowSums.overlaps(activations.flattened),
                     "row sums overlap the gradient or the activations")
        let out = rowSums.buffer.base + rowSums.offset
        if !accumulate { out.update(repeating: 0, count: columns) }
        for r in 0..<rows {
            let g = buffer.base + offset + r * columns
            let a = activations.buffer.base + activations.offset + r * columns
            var c = 0
            while c + 8 <= columns {
                let masked = g.lanes(at: c).replacing(with: 0, where: a.lanes(at: c) .<= 0)
                g.store(masked, at: c)
                out.store(out.lanes(at: c) + masked, at: c)
                c += 8
            }
            while c < columns {
                if !(a[c] > 0) { g[c] = 0 }
                out[c] += g[c]
                c += 1
            }
        }
    }
}
