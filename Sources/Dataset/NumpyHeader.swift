/// The header of a NumPy `.npy` file (numpy.lib.format): the magic string
/// `\x93NUMPY`, a major and minor version, the length of the header text
/// (2 bytes little-endian in version 1.0, 4 in 2.0 and 3.0), and the text: a
/// Python dict literal with 'descr', 'fortran_order' and 'shape', padded with
/// spaces and a newline so the data starts aligned (64 bytes since NumPy
/// 1.9, 16 before; any padding is accepted). Version 3.0 only changes the
/// text's encoding to UTF-8.
///
/// The text is parsed by ``NumpyHeaderParser``, a strict parser for exactly
/// the literals NumPy writes, never by evaluating Python.
struct NumpyHeader: Equatable, Sendable {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// Header text longer than this is refused (NumPy's own limit for
    /// untrusted files is 10,000 bytes; this leaves room for odd writers).
    static let maximumTextBytes = 1 << 20

    let major: Int
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]
    /// Where the array's bytes start.
    let dataOffset: Int

    /// Reads the fixed preamble in `prefix` (the file's first 12 bytes, or
    /// all of a shorter file) and returns the version and where the header
    /// text ends, checked against the file's size.
    static func preamble(_ prefix: [UInt8], fileSize: Int, path: String) throws(DatasetError) -> (major: Int, textStart: Int, dataOffset: Int) {
        let magicFound = Array(prefix.prefix(magic.count))
        guard magicFound == Array(magic.prefix(magicFound.count)) else { throw .notNumpy(path: path, found: magicFound) }
        guard prefix.count >= 8 else { throw .truncated(path: path, expected: 10, actual: fileSize) }
        let major = Int(prefix[6])
        let minor = Int(prefix[7])
        guard (1...3).contains(major), minor == 0 else {
            throw .unsupportedNumpyVersion(path: path, major: major, minor: minor)
        }
        let textStart = major == 1 ? 10 : 12
        guard prefix.count >= textStart else { throw .truncated(path: path, expected: textStart, actual: fileSize) }
        var length = 0
        for index in stride(from: textStart - 1, through: 8, by: -1) { length = length << 8 | Int(prefix[index]) }
        guard length <= maximumTextBytes else {
            throw .malformedNumpyHeader(path: path, reason: "header text of \(length) bytes is implausibly long")
        }
        let dataOffset = textStart + length
        guard fileSize >= dataOffset else { throw .truncated(path: path, expected: dataOffset, actual: fileSize) }
        return (major, textStart, dataOffset)
    }

    /// Parses a whole header: `bytes` must hold at least the file's first
    /// `dataOffset` bytes (or all of it when it is shorter).
    init(bytes: [UInt8], fileSize: Int, path: String) throws(DatasetError) {
        let (major, textStart, dataOffset) = try Self.preamble(Array(bytes.prefix(12)), fileSize: fileSize, path: path)
        precondition(bytes.count >= dataOffset, "header bytes not supplied")
        var parser = NumpyHeaderParser(text: Array(bytes[textStart..<dataOffset]), utf8: major == 3, path: path)
        let fields = try parser.parseDictionary()
        self.major = major
        descr = fields.descr
        fortranOrder = fields.fortranOrder
        shape = fields.shape
        self.dataOffset = dataOffset
    }

    /// A version 1.0 header for a C-order array of `descr` and `shape`,
    /// laid out as NumPy writes it: the data starts 64-byte aligned. (2.0
    /// when the text does not fit version 1.0's 2-byte length.)
    static func encode(descr: String, shape: [Int]) -> [UInt8] {
        let dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(pythonTuple(shape)), }"
        let text = Array(dictionary.utf8)
        for (major, preambleSize) in [(1, 10), (2, 12)] {
            let unpadded = preambleSize + text.count + 1
            let total = (unpadded + 63) / 64 * 64
            let length = total - preambleSize
            guard major == 2 || length <= Int(UInt16.max) else { continue }
            var header = magic + [UInt8(major), 0]
            for index in 0..<(preambleSize - 8) { header.append(UInt8(truncatingIfNeeded: length >> (8 * index))) }
            header += text
            header += [UInt8](repeating: 0x20, count: total - unpadded)
            header.append(0x0A)
            return header
        }
        preconditionFailure("unreachable: version 2.0 always fits")
    }
}
