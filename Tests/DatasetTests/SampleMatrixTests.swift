import Foundation
import Tensors
import Testing
import TestSupport
@testable import Dataset

@Suite struct SampleMatrixTests {
    /// A float32 (1024, 256) array: 1 MiB of rows, far more than the digest samples.
    static func largeFile() throws -> (path: String, bytes: [UInt8], offset: Int) {
        let header = NumpyHeader.encode(descr: "<f4", shape: [1024, 256])
        let data = (0..<(1024 * 256)).flatMap { index -> [UInt8] in
            let bits = Float(index % 1000).bitPattern
            return [UInt8(bits & 0xff), UInt8(bits >> 8 & 0xff), UInt8(bits >> 16 & 0xff), UInt8(bits >> 24)]
        }
        let path = try TemporaryDirectory.make(prefix: "digest").appendingPathComponent("a.npy").path
        try write(header + data, to: path)
        return (path, header + data, header.count)
    }

    @Test func digestSeesSampledBlocksButReadsOnlyThem() throws {
        let (path, bytes, offset) = try Self.largeFile()
        let original = try NumpyFile(path: path).samples.digest
        let blocks = SampleMatrix.digestBlocks(byteCount: 1024 * 256 * 4)
        #expect(blocks.count == SampleMatrix.digestBlockCount)
        #expect(blocks.first?.lowerBound == 0 && blocks.last?.upperBound == 1024 * 256 * 4)
        #expect(blocks.reduce(0) { $0 + $1.count } == 256 * 1024, "256 KiB of 1 MiB")

        var changedInBlock = bytes
        changedInBlock[offset + blocks[10].lowerBound + 5] ^= 0x01
        try write(changedInBlock, to: path)
        #expect(try NumpyFile(path: path).samples.digest != original, "a change inside a sampled block changes the digest")

        // A byte between two sampled blocks is never read: changing it leaves the digest alone.
        let gap = blocks[10].upperBound + (blocks[11].lowerBound - blocks[10].upperBound) / 2
        #expect(gap > blocks[10].upperBound && gap < blocks[11].lowerBound)
        var changedOutside = bytes
        changedOutside[offset + gap] ^= 0x01
        try write(changedOutside, to: path)
        #expect(try NumpyFile(path: path).samples.digest == original)

        // Memory-backed samples of the same rows digest alike.
        let memory = SampleMatrix(bytes: Array(bytes[offset...]), count: 1024, shape: SampleShape(features: 256),
                                  element: .float32, source: "memory")
        #expect(memory.digest == original)
        let other = SampleMatrix(bytes: Array(bytes[offset...]), count: 1024, shape: SampleShape(height: 16, width: 16, channels: 1),
                                 element: .float32, source: "memory")
        #expect(other.digest != original, "the shape is covered")
    }

    static let statisticsScript = #"""
    import sys, json, numpy as np
    out = sys.argv[1]
    rng = np.random.default_rng(5)
    f = (rng.standard_normal((37, 5)) * 3 + 1).astype("<f4")
    u = rng.integers(0, 256, (37, 2, 2, 3)).astype("|u1")
    np.save(out + "/f.npy", f)
    np.save(out + "/u.npy", u)
    def stats(x):
        x = x.reshape(len(x), -1)[3:30].astype(np.float64)
        return {"min": x.min(), "max": x.max(), "sums": x.sum(0).tolist(), "squares": (x * x).sum(0).tolist()}
    scaled = u.astype(np.float32) * (np.float32(1) / np.float32(255))
    print(json.dumps({"f": stats(f), "u": stats(scaled)}))
    """#

    @Test func scanMatchesNumPyOverARowRange() throws {
        let directory = try TemporaryDirectory.make(prefix: "scan").path
        let output = python(Self.statisticsScript, [directory])
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: [String: Any]])
        for name in ["f", "u"] {
            let samples = try NumpyFile(path: "\(directory)/\(name).npy").samples
            let statistics = samples.scan(rows: 3..<30)
            let want = try #require(expected[name])
            #expect(statistics.rowCount == 27 && statistics.finiteRowCount == 27 && statistics.firstNonFiniteRow == nil)
            #expect(statistics.minimum == want["min"] as? Double)
            #expect(statistics.maximum == want["max"] as? Double)
            for (got, wanted) in zip(statistics.sums + statistics.sumsOfSquares,
                                     (want["sums"] as? [Double] ?? []) + (want["squares"] as? [Double] ?? [])) {
                #expect(abs(got - wanted) <= 1e-12 * max(1, abs(wanted)), "\(name): \(got) vs \(wanted)")
            }
            #expect(statistics.sums.count == samples.features)
        }
    }

    @Test func scanFindsTheFirstNonFiniteRowAndPartsMerge() throws {
        var values = (0..<(12 * 3)).map { Double($0) / 7 }
        values[2 * 3 + 1] = 1e300  // finite as a double, infinite as the Float training sees
        values[4 * 3] = .nan
        values[9 * 3 + 2] = -.infinity
        let bytes = values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
        let samples = SampleMatrix(bytes: bytes, count: 12, shape: SampleShape(features: 3), element: .float64, source: "m")
        let whole = samples.scan(rows: 0..<12)
        #expect(whole.firstNonFiniteRow == 2)
        #expect(whole.rowCount == 12 && whole.finiteRowCount == 9)
        #expect(whole.minimum == Double(Float(0)) && whole.maximum == Double(Float(35.0 / 7)))
        // Two ranks' halves, packed and gathered end to end, merge to the whole.
        let second = samples.scan(rows: 6..<12)
        #expect(second.firstNonFiniteRow == 9)
        let gathered = samples.scan(rows: 0..<6).packed + second.packed
        #expect(gathered.count == 2 * SampleStatistics.packedCount(featureCount: 3))
        let merged = SampleStatistics(mergingPacked: gathered, parts: 2)
        #expect(merged.firstNonFiniteRow == 2 && merged.rowCount == 12 && merged.finiteRowCount == 9)
        for (a, b) in zip(merged.sums + merged.sumsOfSquares, whole.sums + whole.sumsOfSquares) {
            #expect(abs(a - b) <= 1e-12 * max(1, abs(b)))
        }
        #expect(SampleStatistics(packed: whole.packed) == whole)
    }

    @Test func imageSetsAreSampleMatricesToo() throws {
        let set = ImageSet(count: 3, rows: 2, columns: 2, pixels: Array(0..<12).map { $0 * 20 })
        let samples = set.samples
        #expect(samples.shape == SampleShape(height: 2, width: 2, channels: 1) && samples.element == .uint8)
        let matrix = Matrix(buffer: FloatBuffer(count: 8), offset: 0, rows: 2, columns: 4)
        samples.gather(rows: [2, 0], into: matrix)
        #expect(matrix[0, 1] == Float(UInt8(9 * 20)) * (1 / 255 as Float) && matrix[1, 3] == Float(60) * (1 / 255 as Float))
    }
}
