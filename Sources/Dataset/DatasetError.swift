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
        }
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}
