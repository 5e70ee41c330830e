import Dataset
import SystemIO

/// Converts a single-cell file's matrix once into a ``SparseRowCache``
/// and maps it: random access to gzip-chunked HDF5 is slow, and a mapped
/// CSR cache lets every rank gather any batch from its rows' non-zeros.
///
/// The cache is reused while its stamp matches the source's (see
/// ``stamp(of:choice:)``); a stale, torn or inconsistent cache is rebuilt,
/// never used. Building is done by one process (the caller decides which:
/// rank 0 under MPI) and published by rename.
public enum SingleCellCache {
    /// Rows per block read from the source while building (bounded memory).
    static let blockRows = 4096

    /// Where the cache of `source`'s `choice` lives: beside it when its
    /// directory is writable, else in the user's cache directory under a
    /// name hashed from the source's absolute path and the choice.
    public static func path(for source: String, matrix choice: MatrixChoice) -> String {
        let slug = choice.description.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let directory = Files.parentDirectory(of: source)
        if (try? Files.probeWritable(directory)) != nil { return "\(source).vae-dist-\(String(slug)).csr" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ((Files.resolvedPath(source) ?? source) + "\u{0}" + choice.description).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let home = Environment.value("XDG_CACHE_HOME") ?? ((Environment.value("HOME") ?? "/tmp") + "/.cache")
        return "\(home)/vae-dist/\(String(hash, radix: 16)).csr"
    }

    /// A 64-bit FNV-1a stamp of the source as read: its size, 64 sampled
    /// 4 KiB blocks of its bytes, the matrix chosen, its shape and gene
    /// names. Judged by content, not by modification time, so a copied file
    /// reuses its cache and a rewritten one (same size, new bytes) does not,
    /// unless it changed only between the sampled blocks.
    public static func stamp(of file: SingleCellFile, choice: MatrixChoice) throws(SingleCellError) -> UInt64 {
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: file.path)
        } catch {
            throw .cache(.unreadable(path: error.path, reason: error.reason))
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        func mix(_ word: Int) { mix((0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: Int64(word)) >> (8 * $0)) }) }
        mix(mapped.byteCount)
        let block = 4096, blocks = 64
        let span = max(0, mapped.byteCount - block)
        for index in 0..<blocks {
            let start = blocks > 1 ? span / (blocks - 1) * index + span % (blocks - 1) * index / (blocks - 1) : 0
            mix(mapped.bytes(in: start..<min(mapped.byteCount, start + block)))
        }
        mix(choice.description.utf8)
        mix(file.matrix.rowCount)
        mix(file.matrix.columnCount)
        for name in file.geneNames { mix(name.utf8); mix(0) }
        return hash
    }

    /// Makes sure a current cache of `file` exists at `cache`, building it
    /// when it is missing, stale or damaged. Returns true when an existing
    /// cache was reused. Call it in one process only.
    public static func prepare(_ file: SingleCellFile, choice: MatrixChoice, cache: String) throws(SingleCellError) -> Bool {
        let stamp = try stamp(of: file, choice: choice)
        if (try? SparseRowCache.open(cache, stamp: stamp)) != nil { return true }
        do throws(FileError) {
            try Files.createDirectory(Files.parentDirectory(of: cache))
        } catch {
            throw .cache(.unreadable(path: error.path, reason: error.reason))
        }
        try build(file, to: cache, stamp: stamp)
        // A source rewritten while it was read would leave a cache of neither
        // version under the old version's stamp: check again, and withdraw it.
        guard try Self.stamp(of: file, choice: choice) == stamp else {
            try? Files.remove(cache)
            throw .inconsistent(path: file.path, object: file.matrix.object, problem: "the file changed while its cache was built; run again")
        }
        return false
    }

    /// Writes the cache: a counting pass when the kept non-zeros are not
    /// known from indptr alone (dense matrices, 10x feature selections), then
    /// the rows in blocks.
    static func build(_ file: SingleCellFile, to cache: String, stamp: UInt64) throws(SingleCellError) {
        let matrix = file.matrix
        var nonZeros = 0
        if matrix.keepsEveryStoredEntry, let stored = matrix.storedNonZeroCount {
            nonZeros = stored
        } else {
            for start in stride(from: 0, to: matrix.rowCount, by: blockRows) {
                nonZeros += try matrix.rows(start..<min(matrix.rowCount, start + blockRows)).nonZeroCount
            }
        }
        let writer = try cached { () throws(DatasetError) in
            try SparseRowCacheWriter(path: cache, rows: matrix.rowCount, columns: matrix.columnCount, nonZeros: nonZeros, stamp: stamp)
        }
        for start in stride(from: 0, to: matrix.rowCount, by: blockRows) {
            let block = try matrix.rows(start..<min(matrix.rowCount, start + blockRows))
            try cached { () throws(DatasetError) in try writer.append(offsets: block.offsets, columns: block.columns, values: block.values) }
        }
        try cached { () throws(DatasetError) in try writer.publish() }
    }

    private static func cached<Result>(_ body: () throws(DatasetError) -> Result) throws(SingleCellError) -> Result {
        do {
            return try body()
        } catch {
            throw .cache(error)
        }
    }

    /// "counts" when every value is a non-negative integer, else the first
    /// value that is not, by cell and gene: a count likelihood needs counts,
    /// today's likelihoods take any values, so this is said, not refused.
    public static func valueKind(of file: SingleCellFile, cache: String) throws(SingleCellError) -> String {
        let nonCount: NonCountValue?
        do {
            nonCount = try SparseRowCache.firstNonCount(cache)
        } catch {
            throw .cache(error)
        }
        guard let nonCount else { return "counts" }
        let gene = file.geneNames.indices.contains(nonCount.column) ? file.geneNames[nonCount.column] : "column \(nonCount.column)"
        return "values, not counts (cell \(nonCount.row), gene \(gene) holds \(nonCount.value))"
    }
}
