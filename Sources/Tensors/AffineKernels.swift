extension Matrix {
    /// x[r, c] = (x[r, c] − shift[c]) · scale[c] for every row: a feature
    /// normalization applied to a gathered batch in place.
    public func applyAffineColumns(shift: [Float], scale: [Float]) {
        precondition(shift.count == columns && scale.count == columns, "affine map of \(shift.count) features on \(columns) columns")
        shift.withUnsafeBufferPointer { s in
            scale.withUnsafeBufferPointer { k in
                for r in 0..<rows {
                    let row = buffer.base + offset + r * columns
                    for c in 0..<columns { row[c] = (row[c] - s[c]) * k[c] }
                }
            }
        }
    }
}
