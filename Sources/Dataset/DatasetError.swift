/// Why a dataset file could not be used. Each case names the file.
public enum DatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(path: String, reason: String)
    case missing(directory: String, expected: String)
    case corruptCompression(path: String, reason: String)
    case tooShort(path: String, size: Int)
    case badMagic(path: String, found: [UInt8])
    case unsupportedElementType(path: String, code: UInt8)
    case wrongDimensionCount(path: String, expected: Int, found: Int)
    case truncated(path: String, expected: Int, actual: Int)
    case trailingBytes(path: String, expected: Int, actual: Int)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case imageSizeMismatch(path: String, rows: Int, columns: Int, expectedRows: Int, expectedColumns: Int)
    case empty(path: String)
    case notNumpy(path: String, found: [UInt8])
    case unsupportedNumpyVersion(path: String, major: Int, minor: Int)
    case malformedNumpyHeader(path: String, reason: String)
    case unsupportedDtype(path: String, descr: String)
    case bigEndian(path: String, descr: String)
    case fortranOrder(path: String)
    case unsupportedShape(path: String, shape: [Int], reason: String)
    case shapeOverflow(path: String, shape: [Int])
    case corruptImage(path: String, reason: String)
    case imageFormatMismatch(path: String, found: String, first: String, expected: String)
    case noImages(path: String, skipped: Int)
    case cacheMismatch(path: String, reason: String)
    case sparseCache(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            "\(path): cannot read: \(reason)"
        case let .missing(directory, expected):
            "\(directory): no \(expected) (or \(expected).gz) in this data directory"
        case let .corruptCompression(path, reason):
            "\(path): gzip stream is unusable: \(reason)"
        case let .tooShort(path, size):
            "\(path): only \(size) bytes, too short for an IDX header"
        case let .badMagic(path, found):
            "\(path): not an IDX file (magic bytes \(found.map { String(format2: $0) }.joined(separator: " ")), expected 00 00 08 0N)"
        case let .unsupportedElementType(path, code):
            "\(path): IDX element type 0x\(String(format2: code)) is not unsigned bytes (0x08)"
        case let .wrongDimensionCount(path, expected, found):
            "\(path): has \(found) dimensions, expected \(expected)"
        case let .truncated(path, expected, actual):
            "\(path): truncated: header promises \(expected) bytes, file has \(actual)"
        case let .trailingBytes(path, expected, actual):
            "\(path): \(actual - expected) unexpected bytes after the \(expected) the header describes"
        case let .countMismatch(images, imageCount, labels, labelCount):
            "\(images) has \(imageCount) images but \(labels) has \(labelCount) labels"
        case let .imageSizeMismatch(path, rows, columns, expectedRows, expectedColumns):
            "\(path): images are \(rows)x\(columns), expected \(expectedRows)x\(expectedColumns) like the training set"
        case let .empty(path):
            "\(path): holds no samples"
        case let .notNumpy(path, found):
            "\(path): not a .npy file (starts with \(found.map { String(format2: $0) }.joined(separator: " ")), expected 93 4e 55 4d 50 59, \"\\x93NUMPY\"); write arrays with np.save"
        case let .unsupportedNumpyVersion(path, major, minor):
            "\(path): .npy format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are); rewrite it with np.save"
        case let .malformedNumpyHeader(path, reason):
            "\(path): malformed .npy header: \(reason); rewrite the file with np.save"
        case let .unsupportedDtype(path, descr):
            "\(path): dtype '\(descr)' is not supported (only '|u1', '<f4' and '<f8' are); convert with a.astype('<f4')"
        case let .bigEndian(path, descr):
            "\(path): dtype '\(descr)' is big-endian; fix the byte order: use a.astype('<\(descr.dropFirst())')"
        case let .fortranOrder(path):
            "\(path): array is in Fortran order; save np.ascontiguousarray(a) instead"
        case let .unsupportedShape(path, shape, reason):
            "\(path): shape \(pythonTuple(shape)) \(reason)"
        case let .shapeOverflow(path, shape):
            "\(path): shape \(pythonTuple(shape)) is too large: its size in bytes overflows; the header is corrupt"
        case let .corruptImage(path, reason):
            "\(path): not a usable PNG image: \(reason)"
        case let .imageFormatMismatch(path, found, first, expected):
            "\(path): image is \(found) but \(first) is \(expected); all images must have one size and channel count"
        case let .noImages(path, skipped):
            "\(path): no .png images in this folder" + (skipped > 0 ? " (\(skipped) other files skipped)" : "")
        case let .cacheMismatch(path, reason):
            "\(path): image cache does not match its folder: \(reason); rebuild it"
        case let .sparseCache(path, reason):
            "\(path): sparse row cache is unusable: \(reason); delete it and it is rebuilt"
        }
    }
}

/// A shape as Python prints a tuple: "(3,)", "(2, 28, 28)".
func pythonTuple(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}
