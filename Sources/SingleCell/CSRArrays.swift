import HDF5

/// The three datasets of a compressed sparse row matrix (AnnData's
/// csr_matrix group, or 10x's `matrix/` group), checked against each other
/// and the shape when opened.
///
/// Opening reads only the two ends of `indptr`, never the whole array, so it
/// stays cheap at tens of millions of cells; the rest of `indptr` and the
/// indices are checked as ranges of rows are read (``CellMatrix/rows(_:)``).
struct CSRArrays: Sendable {
    let data: HDF5Dataset
    let indices: HDF5Dataset
    let indptr: HDF5Dataset
    let nonZeroCount: Int

    init(group: HDF5Group, rows: Int, columns: Int) throws(SingleCellError) {
        let path = group.filePath
        (data, indices, indptr) = try hdf5 { () throws(HDF5Error) in
            (try group.dataset("data"), try group.dataset("indices"), try group.dataset("indptr"))
        }
        guard data.elementType.isNumeric else {
            throw .unsupportedValues(path: path, object: data.name, found: data.elementType.description)
        }
        for array in [indices, indptr] {
            switch array.elementType {
            case .signedInteger, .unsignedInteger: break
            default: throw .wrongColumnType(path: path, object: array.name, found: array.elementType.description, expected: "integers")
            }
        }
        for array in [data, indices, indptr] where array.shape.count != 1 {
            throw .inconsistent(path: path, object: array.name, problem: "has shape \(array.shape), expected one dimension")
        }
        nonZeroCount = data.shape[0]
        guard indices.shape[0] == nonZeroCount else {
            throw .inconsistent(path: path, object: indices.name,
                                problem: "has \(indices.shape[0]) entries but \(data.name) has \(nonZeroCount); they must match")
        }
        guard indptr.shape[0] == rows + 1 else {
            throw .inconsistent(path: path, object: indptr.name,
                                problem: "has \(indptr.shape[0]) entries, expected \(rows + 1) (rows + 1) for shape (\(rows), \(columns))")
        }
        let first = try hdf5 { () throws(HDF5Error) in try indptr.read(Int64.self, rows: 0..<1) }
        let last = try hdf5 { () throws(HDF5Error) in try indptr.read(Int64.self, rows: rows..<(rows + 1)) }
        guard first == [0] else {
            throw .inconsistent(path: path, object: indptr.name, problem: "starts at \(first.first ?? -1), expected 0")
        }
        guard last == [Int64(nonZeroCount)] else {
            throw .inconsistent(path: path, object: indptr.name,
                                problem: "ends at \(last.first ?? -1), expected \(nonZeroCount), the number of stored values")
        }
    }

    /// Row `rows`' entries: offsets relative to the block, stored column indices and values.
    func read(rows: Range<Int>, columns: Int) throws(SingleCellError) -> (offsets: [Int], columns: [Int64], values: [Float]) {
        let path = indptr.filePath
        let pointers = try hdf5 { () throws(HDF5Error) in try indptr.read(Int64.self, rows: rows.lowerBound..<(rows.upperBound + 1)) }
        for (index, pair) in zip(pointers, pointers.dropFirst()).enumerated() where pair.1 < pair.0 {
            let row = rows.lowerBound + index
            throw .inconsistent(path: path, object: indptr.name,
                                problem: "decreases at row \(row) (indptr[\(row)] = \(pair.0) > indptr[\(row + 1)] = \(pair.1)); it must not decrease")
        }
        guard let start = pointers.first, let end = pointers.last, start >= 0, end <= Int64(nonZeroCount) else {
            throw .inconsistent(path: path, object: indptr.name,
                                problem: "points outside the \(nonZeroCount) stored values in rows \(rows.lowerBound)..<\(rows.upperBound)")
        }
        let entries = Int(start)..<Int(end)
        let stored = try hdf5 { () throws(HDF5Error) in try indices.read(Int64.self, rows: entries) }
        if let bad = stored.firstIndex(where: { $0 < 0 || $0 >= Int64(columns) }) {
            let entry = entries.lowerBound + bad
            let row = rows.lowerBound + (pointers.lastIndex { $0 <= Int64(entry) } ?? 0)
            throw .inconsistent(path: path, object: indices.name,
                                problem: "entry \(entry) (row \(row)) is column \(stored[bad]), outside 0..<\(columns)")
        }
        let values = try hdf5 { () throws(HDF5Error) in try data.read(Float.self, rows: entries) }
        return (pointers.map { Int($0 - start) }, stored, values)
    }
}
