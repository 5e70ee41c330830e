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

    /// A 64-bit FNV-1a stamp of the source as read: its size, modification
    /// time (nanoseconds), device and inode, 64 sampled 4 KiB blocks of its
    /// bytes, the matrix chosen, its shape and gene names. An edit in place
    /// (h5py "r+": same size, one value changed between the sampled blocks)
    /// changes the modification time; a copy or a replacement changes the
    /// inode; either rebuilds the cache.
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
        do {
            let status = try Files.status(file.path)
            mix(Int(truncatingIfNeeded: status.modificationNanoseconds))
            mix(Int(truncatingIfNeeded: status.device))
            mix(Int(truncatingIfNeeded: status.inode))
        } catch {
            throw .cache(.unreadable(path: error.path, reason: error.reason))
        }
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
        guard file.matrix.columnCount > 0 else { throw .empty(path: file.path, object: file.matrix.object, missing: "genes") }
        guard file.matrix.rowCount > 0 else { throw .empty(path: file.path, object: file.matrix.object, missing: "cells") }
        let stamp = try stamp(of: file, choice: choice)
        if (try? SparseRowCache.open(cache, stamp: stamp)) != nil { return true }
        do throws(FileError) {
            try Files.createDirectory(Files.parentDirectory(of: cache))
        } catch {
            throw .cache(.unreadable(path: error.path, reason: error.reason))
        }
        removeAbandonedTemporaries(of: cache)
        try checkSizes(file, cache: cache)
        try build(file, to: cache, stamp: stamp)
        // A source rewritten while it was read would leave a cache of neither
        // version under the old version's stamp: check again, and withdraw it.
        guard try Self.stamp(of: file, choice: choice) == stamp else {
            try? Files.remove(cache)
            throw .inconsistent(path: file.path, object: file.matrix.object, problem: "the file changed while its cache was built; run again")
        }
        return false
    }

    /// Refuses, before anything is read or written, a shape this machine
    /// cannot hold: dense batch rows beyond its physical memory, or a cache
    /// beyond the free space of its directory (its non-zeros are known
    /// from indptr for CSR; for a dense matrix only its index is counted).
    static func checkSizes(_ file: SingleCellFile, cache: String) throws(SingleCellError) {
        let matrix = file.matrix
        try ShapeLimits.checkGenes(path: file.path, object: matrix.object, cells: matrix.rowCount, genes: matrix.columnCount)
        let shape = "\(matrix.object) claims \(matrix.rowCount) cells x \(matrix.columnCount) genes"
        let stored = matrix.keepsEveryStoredEntry ? (matrix.storedNonZeroCount ?? 0) : 0
        let (index, indexOverflow) = (matrix.rowCount + 1).multipliedReportingOverflow(by: 8)
        let (entries, entriesOverflow) = stored.multipliedReportingOverflow(by: 8)
        let (total, totalOverflow) = index.addingReportingOverflow(entries)
        let directory = Files.parentDirectory(of: cache)
        if let free = Files.availableBytes(directory), indexOverflow || entriesOverflow || totalOverflow || total > free {
            throw .tooLarge(path: file.path, reason: "\(shape); its sparse cache would need "
                + (indexOverflow || entriesOverflow || totalOverflow ? "more bytes than can be counted" : PhysicalMemory.gibibytes(total))
                + ", more than the \(PhysicalMemory.gibibytes(free)) free in \(directory)")
        }
    }

    /// Rows per block for `columns` genes: at most 4096, and at most
    /// 256 MiB of dense float64 values (a dense matrix is read densely).
    static func blockRows(columns: Int) -> Int {
        max(1, min(blockRows, (256 << 20) / max(1, 8 * columns)))
    }

    /// Writes the cache: a counting pass when the kept non-zeros are not
    /// known from indptr alone (dense matrices, 10x feature selections), then
    /// the rows in blocks.
    static func build(_ file: SingleCellFile, to cache: String, stamp: UInt64) throws(SingleCellError) {
        let matrix = file.matrix
        let rowsPerBlock = Self.blockRows(columns: matrix.columnCount)
        var nonZeros = 0
        if matrix.keepsEveryStoredEntry, let stored = matrix.storedNonZeroCount {
            nonZeros = stored
        } else {
            for start in stride(from: 0, to: matrix.rowCount, by: rowsPerBlock) {
                if let signal = StopSignals.pending { throw .interrupted(path: file.path, signal: signal) }
                nonZeros += try matrix.rows(start..<min(matrix.rowCount, start + rowsPerBlock)).nonZeroCount
            }
        }
        let writer = try cached { () throws(DatasetError) in
            try SparseRowCacheWriter(path: cache, rows: matrix.rowCount, columns: matrix.columnCount, nonZeros: nonZeros, stamp: stamp)
        }
        for start in stride(from: 0, to: matrix.rowCount, by: rowsPerBlock) {
            // Between blocks, a stop signal (Ctrl-C, scancel) ends the build;
            // the writer, dropped unpublished, removes its temporary file.
            if let signal = StopSignals.pending { throw .interrupted(path: file.path, signal: signal) }
            let block = try matrix.rows(start..<min(matrix.rowCount, start + rowsPerBlock))
            try cached { () throws(DatasetError) in try writer.append(offsets: block.offsets, columns: block.columns, values: block.values) }
        }
        try cached { () throws(DatasetError) in try writer.publish() }
    }

    /// Removes `cache`'s temporaries left by killed builds on this host:
    /// `CACHE.partial-HOST-PID` whose process no longer exists. Other hosts'
    /// temporaries (a shared file system) are left alone.
    static func removeAbandonedTemporaries(of cache: String) {
        let directory = Files.parentDirectory(of: cache)
        let base = cache.lastIndex(of: "/").map { String(cache[cache.index(after: $0)...]) } ?? cache
        let prefix = base + ".partial-\(ProcessIdentity.hostName)-"
        for name in (try? Files.list(directory)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0, pid != ProcessIdentity.processID,
                  !ProcessIdentity.exists(pid) else { continue }
            try? Files.remove(directory + "/" + name)
        }
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
