import SystemIO

/// Where the three arrays of a compressed sparse row matrix lie in a mapped
/// file: `indptr` (rows + 1 little-endian Int64, from 0 to nonZeros), then
/// `indices` (nonZeros Int32 columns), then `values` (nonZeros Float32).
public struct SparseRowLayout: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let nonZeros: Int
    public let indptrOffset: Int

    public init(rows: Int, columns: Int, nonZeros: Int, indptrOffset: Int) {
        precondition(rows >= 0 && columns >= 0 && nonZeros >= 0 && indptrOffset >= 0, "negative sparse layout")
        self.rows = rows
        self.columns = columns
        self.nonZeros = nonZeros
        self.indptrOffset = indptrOffset
    }

    public var indicesOffset: Int { indptrOffset + 8 * (rows + 1) }
    public var valuesOffset: Int { indicesOffset + 4 * nonZeros }
    public var endOffset: Int { valuesOffset + 4 * nonZeros }

    /// The first reason the arrays in `file` cannot be gathered from, or nil:
    /// the file must hold them all, indptr must run from 0 to nonZeros
    /// without decreasing, and every index must be a column. Checked once
    /// when a cache is opened, so gathering can trust them.
    public func problem(in file: MappedFile) -> String? {
        guard endOffset <= file.byteCount else { return "it holds \(file.byteCount) bytes, its arrays need \(endOffset)" }
        return file.withUnsafeBytes { bytes -> String? in
            var previous: Int64 = 0
            for row in 0...rows {
                let pointer = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: indptrOffset + 8 * row, as: Int64.self))
                if row == 0, pointer != 0 { return "indptr starts at \(pointer), not 0" }
                if pointer < previous { return "indptr decreases at row \(row - 1)" }
                previous = pointer
            }
            guard previous == Int64(nonZeros) else { return "indptr ends at \(previous), not \(nonZeros)" }
            for entry in 0..<nonZeros {
                let column = Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: indicesOffset + 4 * entry, as: Int32.self))
                if column < 0 || Int(column) >= columns { return "entry \(entry) has column \(column), outside 0..<\(columns)" }
            }
            return nil
        }
    }
}

extension Matrix {
    /// Fills row `r` with stored sparse row `rowIndices[r]`: zeros, then each
    /// of the row's non-zeros added at its column (added, so a column stored
    /// twice counts twice, as scipy's `toarray()` has it). Only the rows'
    /// non-zeros are read. `layout` must have passed ``SparseRowLayout/problem(in:)``.
    public func gatherSparseRows(from file: MappedFile, layout: SparseRowLayout, rowIndices: some Collection<Int>) {
        precondition(rowIndices.count == rows, "gathering \(rowIndices.count) rows into \(rows)")
        precondition(layout.columns == columns, "gathering \(layout.columns) columns into \(columns)")
        precondition(layout.endOffset <= file.byteCount, "sparse layout outside \(file.path)")
        file.withUnsafeBytes { bytes in
            for (r, index) in rowIndices.enumerated() {
                precondition(index >= 0 && index < layout.rows, "gather row \(index) out of range")
                let to = buffer.base + offset + r * columns
                to.update(repeating: 0, count: columns)
                let start = Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: layout.indptrOffset + 8 * index, as: Int64.self)))
                let end = Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: layout.indptrOffset + 8 * index + 8, as: Int64.self)))
                for entry in start..<end {
                    let column = Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: layout.indicesOffset + 4 * entry, as: Int32.self)))
                    let bits = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: layout.valuesOffset + 4 * entry, as: UInt32.self))
                    to[column] += Float(bitPattern: bits)
                }
            }
        }
    }
}
