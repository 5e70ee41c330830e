import SystemIO
import Tensors

/// The samples a model trains on, whatever file they came from: `count`
/// rows of `shape.features` values stored as ``StoredElement``s, gathered
/// into the model's `Float` input a batch at a time.
///
/// The rows stay in their stored form, either in memory (an IDX file's
/// bytes) or in a memory-mapped file (a `.npy` array or an image folder's
/// cache), so a process holds no per-row state: a mapped dataset larger than
/// memory is paged in by the kernel as batches touch it.
public struct SampleMatrix: Sendable {
    /// Where the samples came from (a path), for messages.
    public let source: String
    public let count: Int
    public let shape: SampleShape
    public let element: StoredElement
    let storage: Storage

    enum Storage: Sendable {
        case memory([UInt8])
        case mapped(MappedFile, byteOffset: Int)
        /// A ``SparseRowCache``: rows are densified from their non-zeros as they are gathered.
        case sparse(MappedFile, SparseRowLayout)
    }

    /// Samples held in memory: `count` rows of `shape.features` elements, back to back.
    public init(bytes: [UInt8], count: Int, shape: SampleShape, element: StoredElement, source: String) {
        precondition(count >= 0 && bytes.count == count * shape.features * element.byteWidth,
                     "\(bytes.count) bytes for \(count) samples of \(shape) \(element)")
        self.init(storage: .memory(bytes), count: count, shape: shape, element: element, source: source)
    }

    init(storage: Storage, count: Int, shape: SampleShape, element: StoredElement, source: String) {
        self.storage = storage
        self.count = count
        self.shape = shape
        self.element = element
        self.source = source
    }

    public var features: Int { shape.features }

    /// Bytes per stored row.
    public var rowByteCount: Int { features * element.byteWidth }

    /// Bytes of all stored rows.
    public var dataByteCount: Int { count * rowByteCount }

    /// Fills `matrix` (one row per index, `features` columns) with the rows
    /// at `rows`, converted to Float: bytes scaled into [0, 1], doubles
    /// rounded to the nearest Float. Indices out of range are a programming
    /// error.
    public func gather(rows: some Collection<Int>, into matrix: Matrix) {
        precondition(matrix.columns == features, "gathering \(features) features into \(matrix.columns) columns")
        precondition(matrix.rows == rows.count, "gathering \(rows.count) rows into \(matrix.rows)")
        switch storage {
        case let .memory(bytes):
            matrix.gatherRows(from: bytes, byteOffset: 0, element: element, rowIndices: rows)
        case let .mapped(file, byteOffset):
            matrix.gatherRows(from: file, byteOffset: byteOffset, element: element, rowIndices: rows)
        case let .sparse(file, layout):
            matrix.gatherSparseRows(from: file, layout: layout, rowIndices: rows)
        }
    }

    /// A copy of stored bytes `range` (relative to the first row).
    func storedBytes(in range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= dataByteCount, "stored byte range out of bounds")
        switch storage {
        case let .memory(bytes):
            return Array(bytes[range])
        case let .mapped(file, byteOffset):
            return file.bytes(in: (byteOffset + range.lowerBound)..<(byteOffset + range.upperBound))
        case .sparse:
            // The bytes the rows would have as dense float32, so the digest
            // means the same whether a matrix is stored dense or sparse.
            guard !range.isEmpty else { return [] }
            let first = range.lowerBound / rowByteCount, last = (range.upperBound - 1) / rowByteCount
            let buffer = FloatBuffer(count: (last - first + 1) * features)
            gather(rows: first...last, into: Matrix(buffer: buffer, offset: 0, rows: last - first + 1, columns: features))
            let start = range.lowerBound - first * rowByteCount
            var bytes = [UInt8]()
            bytes.reserveCapacity(range.count)
            for index in (start / 4)...((start + range.count - 1) / 4) {
                let bits = buffer[index].bitPattern
                bytes += (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
            }
            return Array(bytes[(start % 4)..<(start % 4 + range.count)])
        }
    }
}

extension SampleMatrix {
    /// Rows `range` converted to Float, one array per row (small reads:
    /// latent codes for `decode`).
    public func rows(_ range: Range<Int>) -> [[Float]] {
        guard !range.isEmpty else { return [] }
        let buffer = FloatBuffer(count: range.count * features)
        gather(rows: range, into: Matrix(buffer: buffer, offset: 0, rows: range.count, columns: features))
        return range.indices.map { index in buffer.vector(offset: (index - range.lowerBound) * features, count: features).array }
    }
}
