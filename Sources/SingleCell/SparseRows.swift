/// A block of consecutive cells in compressed sparse row form: the unit in
/// which the files are read, whatever they store (dense rows are sparsified
/// as they are read, so every consumer sees one form).
///
/// Column indices within a row are as stored: unsorted rows and repeated
/// columns are kept (scipy allows both and sums repeats, so ``densify(row:into:)``
/// adds rather than assigns, and reads such a row as scipy's `toarray()` does).
public struct SparseRows: Sendable, Equatable {
    /// The cells (rows of the file's matrix) this block holds.
    public let rows: Range<Int>
    /// Where each row's non-zeros start in ``columns`` and ``values``: rows.count + 1 entries from 0.
    public let offsets: [Int]
    public let columns: [Int32]
    public let values: [Float]

    public init(rows: Range<Int>, offsets: [Int], columns: [Int32], values: [Float]) {
        precondition(offsets.count == rows.count + 1 && offsets.first == 0 && offsets.last == columns.count
                     && columns.count == values.count, "inconsistent sparse rows")
        self.rows = rows
        self.offsets = offsets
        self.columns = columns
        self.values = values
    }

    public var nonZeroCount: Int { values.count }

    /// The stored entries of row `row` (an index into the file's rows, inside ``rows``).
    public func entries(ofRow row: Int) -> Range<Int> {
        precondition(rows.contains(row), "row \(row) outside \(rows)")
        let local = row - rows.lowerBound
        return offsets[local]..<offsets[local + 1]
    }

    /// Row `row` as `columnCount` values: zero, then each entry added in.
    public func densify(row: Int, columnCount: Int) -> [Float] {
        var dense = [Float](repeating: 0, count: columnCount)
        for entry in entries(ofRow: row) { dense[Int(columns[entry])] += values[entry] }
        return dense
    }
}
