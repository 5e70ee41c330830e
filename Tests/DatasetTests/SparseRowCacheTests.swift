import Foundation
import Randomness
import SystemIO
import Tensors
import Testing
import TestSupport
@testable import Dataset

/// The memory-mapped CSR cache: written in blocks under a temporary name,
/// published by rename, gathered densely from the rows' non-zeros, and
/// refused when stale, torn or inconsistent.
@Suite struct SparseRowCacheTests {
    /// A (rows, columns) matrix ~30% non-zero, with an empty row, as dense rows and CSR blocks.
    static func matrix(rows: Int, columns: Int, seed: UInt64) -> [[Float]] {
        var generator = SplitMix64(seed: seed)
        return (0..<rows).map { row in
            (0..<columns).map { _ in row == 1 || generator.next() % 10 >= 3 ? 0 : Float(generator.next() % 1000) }
        }
    }

    static func writeCache(_ dense: [[Float]], to path: String, stamp: UInt64, blockRows: Int = 3) throws {
        let nonZeros = dense.joined().filter { $0 != 0 }.count
        let writer = try SparseRowCacheWriter(path: path, rows: dense.count, columns: dense[0].count, nonZeros: nonZeros, stamp: stamp)
        for start in stride(from: 0, to: dense.count, by: blockRows) {
            var offsets = [0], columns = [Int32](), values = [Float]()
            for row in dense[start..<min(dense.count, start + blockRows)] {
                for (column, value) in row.enumerated() where value != 0 { columns.append(Int32(column)); values.append(value) }
                offsets.append(columns.count)
            }
            try writer.append(offsets: offsets, columns: columns, values: values)
        }
        try writer.publish()
    }

    static func gathered(_ samples: SampleMatrix, rows: [Int]) -> [[Float]] {
        let buffer = FloatBuffer(count: rows.count * samples.features)
        samples.gather(rows: rows, into: Matrix(buffer: buffer, offset: 0, rows: rows.count, columns: samples.features))
        return rows.indices.map { index in buffer.vector(offset: index * samples.features, count: samples.features).array }
    }

    @Test func gathersRowsFromTheirNonZeros() throws {
        let dense = Self.matrix(rows: 11, columns: 7, seed: 1)
        let path = try TemporaryDirectory.make(prefix: "csr").appendingPathComponent("a.csr").path
        try Self.writeCache(dense, to: path, stamp: 42)
        #expect(try !Files.list(Files.parentDirectory(of: path)).contains { $0.contains("partial") })
        let samples = try SparseRowCache.open(path, stamp: 42)
        #expect(samples.count == 11 && samples.features == 7 && samples.element == .float32)
        let order = [10, 0, 1, 5, 5, 3]
        #expect(Self.gathered(samples, rows: order) == order.map { dense[$0] })
        #expect(samples.rows(0..<11) == dense)
    }

    @Test func digestAndStatisticsMatchTheDenseMatrix() throws {
        let dense = Self.matrix(rows: 300, columns: 13, seed: 2)
        let path = try TemporaryDirectory.make(prefix: "csr").appendingPathComponent("a.csr").path
        try Self.writeCache(dense, to: path, stamp: 7, blockRows: 64)
        let sparse = try SparseRowCache.open(path, stamp: 7)
        let bytes = dense.joined().flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
        let inMemory = SampleMatrix(bytes: bytes, count: 300, shape: SampleShape(features: 13), element: .float32, source: "dense")
        #expect(sparse.digest == inMemory.digest)
        #expect(sparse.storedBytes(in: 5..<4001) == Array(bytes[5..<4001]))
        #expect(sparse.scan(rows: 0..<300) == inMemory.scan(rows: 0..<300))
    }

    @Test func staleTornAndInconsistentCachesAreRefused() throws {
        let dense = Self.matrix(rows: 6, columns: 5, seed: 3)
        let directory = try TemporaryDirectory.make(prefix: "csr")
        let path = directory.appendingPathComponent("a.csr").path
        try Self.writeCache(dense, to: path, stamp: 1)
        #expect(throws: DatasetError.sparseCache(path: path, reason: "made from another version of its source (stale)")) {
            try SparseRowCache.open(path, stamp: 2)
        }
        #expect(throws: Never.self) { try SparseRowCache.open(path, stamp: nil) }
        let bytes = try contents(path)
        let torn = directory.appendingPathComponent("torn.csr").path
        try write(Array(bytes.dropLast(3)), to: torn)
        #expect(throws: DatasetError.self) { try SparseRowCache.open(torn, stamp: 1) }
        // A column index out of range (the first index, at 64 + 8 · 7).
        var broken = bytes
        broken[64 + 8 * 7] = 99
        let brokenPath = directory.appendingPathComponent("broken.csr").path
        try write(broken, to: brokenPath)
        #expect(throws: DatasetError.sparseCache(path: brokenPath, reason: "entry 0 has column 99, outside 0..<5")) {
            try SparseRowCache.open(brokenPath, stamp: 1)
        }
    }

    /// Bytes overwritten in place that leave the arrays consistent (a value's
    /// low mantissa byte) are caught by the header's CRC-32 when the cache
    /// is checked (with a stamp); a rank mapping a checked cache skips it.
    @Test func aCacheOverwrittenInPlaceFailsItsChecksum() throws {
        let dense = Self.matrix(rows: 6, columns: 5, seed: 5)
        let directory = try TemporaryDirectory.make(prefix: "csr")
        let path = directory.appendingPathComponent("a.csr").path
        try Self.writeCache(dense, to: path, stamp: 1)
        #expect(throws: Never.self) { try SparseRowCache.open(path, stamp: 1) }
        var bytes = try contents(path)
        bytes[bytes.count - 4] ^= 1
        try write(bytes, to: path)
        #expect(throws: DatasetError.sparseCache(path: path, reason: "its checksum does not match its contents (damaged)")) {
            try SparseRowCache.open(path, stamp: 1)
        }
    }

    @Test func theFirstValueThatIsNotACountIsNoted() throws {
        let directory = try TemporaryDirectory.make(prefix: "csr")
        let counts = directory.appendingPathComponent("counts.csr").path
        try Self.writeCache(Self.matrix(rows: 6, columns: 5, seed: 4), to: counts, stamp: 1)
        #expect(try SparseRowCache.firstNonCount(counts) == nil)
        var dense = Self.matrix(rows: 6, columns: 5, seed: 4)
        dense[4][3] = 2.5
        dense[5][0] = -1
        let values = directory.appendingPathComponent("values.csr").path
        try Self.writeCache(dense, to: values, stamp: 1, blockRows: 2)
        #expect(try SparseRowCache.firstNonCount(values) == NonCountValue(row: 4, column: 3, value: 2.5))
        #expect(Self.gathered(try SparseRowCache.open(values, stamp: 1), rows: [4, 5]) == [dense[4], dense[5]])
    }

    @Test func anUnpublishedCacheLeavesNothing() throws {
        let directory = try TemporaryDirectory.make(prefix: "csr")
        let path = directory.appendingPathComponent("a.csr").path
        do {
            let writer = try SparseRowCacheWriter(path: path, rows: 2, columns: 3, nonZeros: 1, stamp: 1)
            try writer.append(offsets: [0, 1], columns: [2], values: [5])
            #expect(throws: DatasetError.self) { try writer.publish() }
        }
        #expect(try Files.list(directory.path).isEmpty)
    }
}
