import Gzip
import SystemIO
import Tensors

/// A memory-mapped compressed sparse row cache of a count matrix: the form
/// in which single-cell files (gzip-chunked HDF5, slow to read at random)
/// are trained on, converted once.
///
/// Layout: a 64-byte header (magic "VAECSR02", then little-endian Int64
/// rows, columns, non-zeros, a 64-bit stamp of the source, the first
/// value that is not a count: its row + 1 (0: every value is a count), then
/// its column (high 32 bits) and float32 bits (low 32 bits) in one word,
/// and the CRC-32 of everything after the header), then
/// ``SparseRowLayout``'s arrays: indptr Int64, indices Int32, values Float32.
/// A cache is written under a temporary name and published by rename
/// (``SparseRowCacheWriter``), never rewritten in place, so a reader maps
/// either a whole cache or none; one whose stamp differs from its source's
/// is stale and rebuilt, one whose arrays are inconsistent or whose
/// checksum differs (bytes overwritten in place) is refused.
public enum SparseRowCache {
    static let magic = Array("VAECSR02".utf8)
    static let headerByteCount = 64

    /// The cache at `path` as samples, when it exists, carries `stamp` (any
    /// stamp when nil: a rank mapping the cache another rank just checked),
    /// and is whole and consistent. With a stamp (the process that checks the
    /// cache before it is used: rank 0), its payload's CRC-32 is verified
    /// too; without one, the check was just done elsewhere and is skipped.
    /// `source` names the samples in messages (the user's file the cache was
    /// made from); the cache's own path when nil.
    public static func open(_ path: String, stamp: UInt64?, source: String? = nil) throws(DatasetError) -> SampleMatrix {
        let (file, words) = try mappedHeader(path)
        guard stamp == nil || words[3] == stamp else { throw .sparseCache(path: path, reason: "made from another version of its source (stale)") }
        guard words[0] <= UInt64(Int32.max) * 1024, words[1] > 0, words[1] <= UInt64(Int32.max), words[2] <= UInt64(Int.max / 16) else {
            throw .sparseCache(path: path, reason: "its header's sizes are impossible")
        }
        let layout = SparseRowLayout(rows: Int(words[0]), columns: Int(words[1]), nonZeros: Int(words[2]), indptrOffset: headerByteCount)
        guard file.byteCount == layout.endOffset else {
            throw .sparseCache(path: path, reason: "it holds \(file.byteCount) bytes, its header promises \(layout.endOffset)")
        }
        if let problem = layout.problem(in: file) { throw .sparseCache(path: path, reason: problem) }
        if stamp != nil, checksum(of: file) != UInt32(truncatingIfNeeded: words[6]) {
            throw .sparseCache(path: path, reason: "its checksum does not match its contents (damaged)")
        }
        guard layout.rows > 0 else { throw .empty(path: source ?? path) }
        return SampleMatrix(storage: .sparse(file, layout), count: layout.rows, shape: SampleShape(features: layout.columns),
                            element: .float32, source: source ?? path)
    }

    /// The cache at `path` mapped, with its header's seven little-endian
    /// words (rows, columns, non-zeros, stamp, first non-count's row + 1,
    /// its column and bits, checksum), after checking its length and magic:
    /// what every reader of a cache's header checks first.
    private static func mappedHeader(_ path: String) throws(DatasetError) -> (file: MappedFile, words: [UInt64]) {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        guard file.byteCount >= headerByteCount else { throw .sparseCache(path: path, reason: "shorter than its header") }
        let header = file.bytes(in: 0..<headerByteCount)
        guard Array(header[0..<8]) == magic else { throw .sparseCache(path: path, reason: "not a vae-dist sparse cache") }
        let words = (0..<7).map { index in header[(8 + 8 * index)..<(16 + 8 * index)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        return (file, words)
    }

    /// The first stored value of the cache at `path` that is not a count (a
    /// non-negative integer), in row order; nil when all are counts. Read
    /// from the header, where the writer noted it, so a reused cache needs
    /// no scan.
    public static func firstNonCount(_ path: String) throws(DatasetError) -> NonCountValue? {
        let words = try mappedHeader(path).words
        guard words[4] > 0 else { return nil }
        return NonCountValue(row: Int(truncatingIfNeeded: words[4] - 1), column: Int(truncatingIfNeeded: words[5] >> 32),
                             value: Float(bitPattern: UInt32(truncatingIfNeeded: words[5])))
    }

    /// The CRC-32 of everything after the header, read in 16 MiB pieces.
    static func checksum(of file: MappedFile) -> UInt32 {
        var crc: UInt32 = 0
        let piece = 16 << 20
        for start in stride(from: headerByteCount, to: file.byteCount, by: piece) {
            crc = Gzip.crc32(file.bytes(in: start..<min(file.byteCount, start + piece)), initial: crc)
        }
        return crc
    }

    static func header(rows: Int, columns: Int, nonZeros: Int, stamp: UInt64, firstNonCount: NonCountValue? = nil,
                       checksum: UInt32 = 0) -> [UInt8] {
        var bytes = magic
        let nonCount: [UInt64] = firstNonCount.map {
            [UInt64($0.row + 1), UInt64(UInt32(truncatingIfNeeded: $0.column)) << 32 | UInt64($0.value.bitPattern)]
        } ?? [0, 0]
        for word in [UInt64(rows), UInt64(columns), UInt64(nonZeros), stamp] + nonCount + [UInt64(checksum)] {
            bytes += (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) }
        }
        return bytes + [UInt8](repeating: 0, count: headerByteCount - bytes.count)
    }
}

/// Writes a ``SparseRowCache`` row block by row block under a temporary
/// name, and publishes it by rename once every row is written and synced.
/// Dropped unpublished (an error, a full disk), it removes its temporary file.
public final class SparseRowCacheWriter {
    public let path: String
    let temporaryPath: String
    let layout: SparseRowLayout
    let file: PositionalFile
    private(set) var rowsWritten = 0
    private(set) var entriesWritten = 0
    private var published = false
    let stamp: UInt64
    /// The first value written that is not a non-negative integer.
    public private(set) var firstNonCount: NonCountValue?

    /// Starts a cache of `rows` × `columns` holding exactly `nonZeros` entries.
    public init(path: String, rows: Int, columns: Int, nonZeros: Int, stamp: UInt64) throws(DatasetError) {
        self.path = path
        self.stamp = stamp
        // Unique per host and process: two jobs building one cache on a
        // shared file system each write their own file, and the last rename wins.
        temporaryPath = "\(path).partial-\(ProcessIdentity.hostName)-\(ProcessIdentity.processID)"
        layout = SparseRowLayout(rows: rows, columns: columns, nonZeros: nonZeros, indptrOffset: SparseRowCache.headerByteCount)
        do {
            file = try PositionalFile.create(temporaryPath, byteCount: layout.endOffset)
            try file.write(SparseRowCache.header(rows: rows, columns: columns, nonZeros: nonZeros, stamp: stamp), at: 0)
            try file.write(Self.bytes(of: [Int64(0)]), at: layout.indptrOffset)
        } catch {
            throw .unreadable(path: error.path, reason: "cannot write the sparse cache: \(error.reason)")
        }
    }

    deinit {
        if !published { try? Files.remove(temporaryPath) }
    }

    /// Appends the next rows: `offsets` (rows + 1, from 0) into `columns` and `values`.
    public func append(offsets: [Int], columns: [Int32], values: [Float]) throws(DatasetError) {
        precondition(offsets.first == 0 && offsets.last == columns.count && columns.count == values.count, "inconsistent sparse block")
        let rows = offsets.count - 1
        guard rowsWritten + rows <= layout.rows, entriesWritten + values.count <= layout.nonZeros else {
            throw .sparseCache(path: path, reason: "its source yielded more rows or entries than it declared")
        }
        do {
            try file.write(Self.bytes(of: offsets.dropFirst().map { Int64($0 + entriesWritten) }), at: layout.indptrOffset + 8 * (rowsWritten + 1))
            try file.write(Self.bytes(of: columns), at: layout.indicesOffset + 4 * entriesWritten)
            try file.write(Self.bytes(of: values), at: layout.valuesOffset + 4 * entriesWritten)
        } catch {
            throw .unreadable(path: error.path, reason: "cannot write the sparse cache: \(error.reason)")
        }
        if firstNonCount == nil, let entry = values.firstIndex(where: { !($0 >= 0 && $0.isFinite && $0 == $0.rounded(.towardZero)) }) {
            let row = (offsets.lastIndex { $0 <= entry } ?? 0)
            firstNonCount = NonCountValue(row: rowsWritten + row, column: Int(columns[entry]), value: values[entry])
        }
        rowsWritten += rows
        entriesWritten += values.count
    }

    /// Syncs the cache and renames it into place; every declared row and entry must have been written.
    public func publish() throws(DatasetError) {
        guard rowsWritten == layout.rows, entriesWritten == layout.nonZeros else {
            throw .sparseCache(path: path, reason: "its source yielded \(rowsWritten) rows and \(entriesWritten) entries, it declared \(layout.rows) and \(layout.nonZeros)")
        }
        do {
            let written = try MappedFile(path: temporaryPath)
            try file.write(SparseRowCache.header(rows: layout.rows, columns: layout.columns, nonZeros: layout.nonZeros, stamp: stamp,
                                                 firstNonCount: firstNonCount, checksum: SparseRowCache.checksum(of: written)), at: 0)
            try file.synchronize()
            try Files.publish(temporaryPath, as: path)
            published = true
        } catch {
            throw .unreadable(path: error.path, reason: "cannot publish the sparse cache: \(error.reason)")
        }
    }

    static func bytes(of values: [Int64]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 * values.count)
        for value in values { let bits = UInt64(bitPattern: value); for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) } }
        return bytes
    }

    static func bytes(of values: [Int32]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(4 * values.count)
        for value in values { let bits = UInt32(bitPattern: value); for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) } }
        return bytes
    }

    static func bytes(of values: [Float]) -> [UInt8] {
        bytes(of: values.map { Int32(bitPattern: $0.bitPattern) })
    }
}

/// A stored value that is not a count, and where it is: row (cell) and column (gene).
public struct NonCountValue: Sendable, Equatable {
    public let row: Int
    public let column: Int
    public let value: Float

    public init(row: Int, column: Int, value: Float) {
        self.row = row
        self.column = column
        self.value = value
    }
}
