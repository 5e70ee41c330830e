import Gzip

/// Builds IDX files (and deliberately broken ones) for tests.
public enum IDXWriter {
    /// An unsigned-byte IDX file with the given dimensions and elements.
    public static func bytes(dimensions: [Int], elements: [UInt8]) -> [UInt8] {
        var file: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for size in dimensions {
            file += [UInt8(size >> 24 & 0xff), UInt8(size >> 16 & 0xff), UInt8(size >> 8 & 0xff), UInt8(size & 0xff)]
        }
        return file + elements
    }

    public static func gzipped(_ bytes: [UInt8]) -> [UInt8] {
        // A failure here is a bug in the test setup, not a test outcome.
        guard let compressed = try? Gzip.compress(bytes) else { fatalError("gzip of test data failed") }
        return compressed
    }
}
