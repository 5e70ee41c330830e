import HDF5

/// A file's cell-by-gene matrix, read a range of cells at a time, so a rank
/// reads only its own rows and memory follows the range, not the file.
///
/// Whatever is stored (dense rows, or CSR of any value and index width) is
/// returned as ``SparseRows`` of Float values, with column indices into the
/// kept genes (for 10x files, the "Gene Expression" features).
public final class CellMatrix: Sendable {
    public let path: String
    /// The matrix's HDF5 path ("/X", "/layers/counts", "/raw/X", "/matrix").
    public let object: String
    public let rowCount: Int
    /// Columns after feature selection: the length of the gene names.
    public let columnCount: Int
    /// The stored value type (float32, int32, ...), for messages and the "counts" check.
    public let storedValues: HDF5ElementType
    /// Stored values (non-zeros) of a sparse matrix; nil for a dense one.
    public var storedNonZeroCount: Int? {
        if case let .sparse(arrays) = layout { arrays.nonZeroCount } else { nil }
    }

    /// True when every stored entry is kept (CSR without a feature
    /// selection), so the kept non-zeros are counted by indptr alone.
    var keepsEveryStoredEntry: Bool {
        if case .sparse = layout { keptColumns == nil } else { false }
    }

    enum Layout: Sendable {
        case dense(HDF5Dataset)
        case sparse(CSRArrays)
    }

    let layout: Layout
    let storedColumnCount: Int
    /// For each stored column, its kept column, or -1 when it is dropped; nil keeps all.
    let keptColumns: [Int32]?

    init(path: String, object: String, layout: Layout, rows: Int, storedColumns: Int, keptColumns: [Int32]?) throws(SingleCellError) {
        guard storedColumns <= Int(Int32.max) else {
            throw .inconsistent(path: path, object: object, problem: "has \(storedColumns) columns, more than 2^31 - 1")
        }
        self.path = path
        self.object = object
        self.layout = layout
        rowCount = rows
        storedColumnCount = storedColumns
        self.keptColumns = keptColumns
        columnCount = keptColumns.map { $0.lazy.filter { $0 >= 0 }.count } ?? storedColumns
        switch layout {
        case let .dense(dataset): storedValues = dataset.elementType
        case let .sparse(arrays): storedValues = arrays.data.elementType
        }
    }

    /// Cells `rows`, checked as they are read: indptr must not decrease and
    /// must stay within the stored values, indices must be columns of the
    /// matrix; each violation is an ``SingleCellError/inconsistent(path:object:problem:)``.
    public func rows(_ rows: Range<Int>) throws(SingleCellError) -> SparseRows {
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw .inconsistent(path: path, object: object,
                                problem: "rows \(rows.lowerBound)..<\(rows.upperBound) requested of \(rowCount)")
        }
        switch layout {
        case let .dense(dataset):
            return try denseRows(rows, from: dataset)
        case let .sparse(arrays):
            let block = try arrays.read(rows: rows, columns: storedColumnCount)
            guard let keptColumns else {
                return SparseRows(rows: rows, offsets: block.offsets, columns: block.columns.map { Int32($0) }, values: block.values)
            }
            var offsets = [0], columns = [Int32](), values = [Float]()
            for (start, end) in zip(block.offsets, block.offsets.dropFirst()) {
                for entry in start..<end where keptColumns[Int(block.columns[entry])] >= 0 {
                    columns.append(keptColumns[Int(block.columns[entry])])
                    values.append(block.values[entry])
                }
                offsets.append(columns.count)
            }
            return SparseRows(rows: rows, offsets: offsets, columns: columns, values: values)
        }
    }

    private func denseRows(_ rows: Range<Int>, from dataset: HDF5Dataset) throws(SingleCellError) -> SparseRows {
        let dense = try hdf5 { () throws(HDF5Error) in try dataset.read(Float.self, rows: rows) }
        var offsets = [0], columns = [Int32](), values = [Float]()
        offsets.reserveCapacity(rows.count + 1)
        for row in 0..<rows.count {
            let base = row * storedColumnCount
            for column in 0..<storedColumnCount where dense[base + column] != 0 {
                let kept = keptColumns.map { $0[column] } ?? Int32(column)
                guard kept >= 0 else { continue }
                columns.append(kept)
                values.append(dense[base + column])
            }
            offsets.append(columns.count)
        }
        return SparseRows(rows: rows, offsets: offsets, columns: columns, values: values)
    }
}
