import Gzip
import SystemIO

/// An IDX file of unsigned bytes (the MNIST format): a big-endian header of
/// dimensions followed by the elements, row-major.
///
/// See http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS"). Files may be
/// gzip-compressed; compression is detected by its magic number, not the name.
public struct IDXFile: Sendable {
    public let path: String
    public let dimensions: [Int]
    public let elements: [UInt8]

    /// Reads and validates `path`, expecting `dimensionCount` dimensions.
    public init(path: String, dimensionCount: Int) throws(DatasetError) {
        let raw: [UInt8]
        do {
            raw = try Files.read(path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        try self.init(bytes: raw, path: path, dimensionCount: dimensionCount)
    }

    /// Parses IDX `bytes` (gzip or raw) that came from `path`.
    public init(bytes raw: [UInt8], path: String, dimensionCount: Int) throws(DatasetError) {
        var bytes = raw
        if Gzip.isCompressed(raw) {
            do {
                bytes = try Gzip.decompress(raw)
            } catch {
                throw .corruptCompression(path: path, reason: error.message)
            }
        }
        guard bytes.count >= 4 else { throw .tooShort(path: path, size: bytes.count) }
        guard bytes[0] == 0, bytes[1] == 0, bytes[3] >= 1 else {
            throw .badMagic(path: path, found: Array(bytes[0..<4]))
        }
        guard bytes[2] == 0x08 else { throw .unsupportedElementType(path: path, code: bytes[2]) }
        let found = Int(bytes[3])
        guard found == dimensionCount else {
            throw .wrongDimensionCount(path: path, expected: dimensionCount, found: found)
        }
        let headerSize = 4 + 4 * found
        guard bytes.count >= headerSize else { throw .tooShort(path: path, size: bytes.count) }
        var dimensions = [Int]()
        for index in 0..<found {
            let at = 4 + 4 * index
            dimensions.append(Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]))
        }
        let (elementCount, overflow) = dimensions.reduce((1, false)) { partial, size in
            let (product, overflowed) = partial.0.multipliedReportingOverflow(by: size)
            return (product, partial.1 || overflowed)
        }
        let expected = headerSize + elementCount
        guard !overflow, bytes.count >= expected else {
            throw .truncated(path: path, expected: overflow ? Int.max : expected, actual: bytes.count)
        }
        guard bytes.count == expected else { throw .trailingBytes(path: path, expected: expected, actual: bytes.count) }
        guard elementCount > 0 else { throw .empty(path: path) }
        self.path = path
        self.dimensions = dimensions
        self.elements = Array(bytes[headerSize...])
    }
}
