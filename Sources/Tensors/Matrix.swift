/// A row-major `rows × columns` block of floats inside a ``FloatBuffer``.
///
/// Weights use PyTorch's layout, `[out, in]`, so a checkpoint's tensors are
/// the buffer's bytes as they are.
public struct Matrix: @unchecked Sendable {
    public let buffer: FloatBuffer
    public let offset: Int
    public let rows: Int
    public let columns: Int

    public init(buffer: FloatBuffer, offset: Int, rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        precondition(offset >= 0 && offset + rows * columns <= buffer.count,
                     "Matrix \(rows)x\(columns) at \(offset) outside buffer of \(buffer.count)")
        self.buffer = buffer
        self.offset = offset
        self.rows = rows
        self.columns = columns
    }

    public var count: Int { rows * columns }

    /// The same elements as one flat vector.
    public var flattened: Vector { Vector(buffer: buffer, offset: offset, count: count) }

    /// The first `count` rows: activations are sized for the largest batch and
    /// viewed down to the batch at hand.
    public func prefix(rows count: Int) -> Matrix {
        precondition(count >= 0 && count <= rows, "Matrix prefix of \(count) rows from \(rows)")
        return Matrix(buffer: buffer, offset: offset, rows: count, columns: columns)
    }

    /// Rows `start ..< start + count`.
    public func rows(from start: Int, count: Int) -> Matrix {
        precondition(start >= 0 && count >= 0 && start + count <= rows, "Matrix row range out of bounds")
        return Matrix(buffer: buffer, offset: offset + start * columns, rows: count, columns: columns)
    }

    public subscript(row: Int, column: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            return buffer.base[offset + row * columns + column]
        }
        nonmutating set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            buffer.base[offset + row * columns + column] = newValue
        }
    }
}
