/// A strict parser for the dict literal in a `.npy` header, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }`.
///
/// It accepts exactly what NumPy writes and what a careful hand might: the
/// three keys once each in any order, single- or double-quoted strings
/// without escapes, `True`/`False`, a tuple of non-negative decimal
/// integers (Python 2's `3L` suffix allowed, a one-element tuple needs its
/// comma), optional trailing commas, and whitespace between tokens and after
/// the closing brace. Anything else is refused with what was expected and
/// where. Integers that overflow are refused as they are read.
struct NumpyHeaderParser {
    struct Fields {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
    }

    private let text: [UInt8]
    private let utf8: Bool
    private let path: String
    private var position = 0

    init(text: [UInt8], utf8: Bool, path: String) {
        self.text = text
        self.utf8 = utf8
        self.path = path
    }

    mutating func parseDictionary() throws(DatasetError) -> Fields {
        var descr: String?
        var fortranOrder: Bool?
        var shape: [Int]?
        try expect(UInt8(ascii: "{"))
        while true {
            skipWhitespace()
            if peek == UInt8(ascii: "}") { break }
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            switch key {
            case "descr":
                guard descr == nil else { throw fail("'descr' appears twice") }
                skipWhitespace()
                guard peek == UInt8(ascii: "'") || peek == UInt8(ascii: "\"") else {
                    throw fail("'descr' is not a string (structured dtypes are not supported; save a plain '<f4' array)")
                }
                descr = try parseString()
            case "fortran_order":
                guard fortranOrder == nil else { throw fail("'fortran_order' appears twice") }
                fortranOrder = try parseBool()
            case "shape":
                guard shape == nil else { throw fail("'shape' appears twice") }
                shape = try parseTuple()
            default:
                throw fail("unexpected key '\(key)' (only 'descr', 'fortran_order' and 'shape' belong)")
            }
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                position += 1
            } else if peek != UInt8(ascii: "}") {
                throw fail("expected ',' or '}'")
            }
        }
        position += 1
        skipWhitespace()
        guard position == text.count else { throw fail("unexpected text after the closing '}'") }
        guard let descr else { throw fail("no 'descr' key") }
        guard let fortranOrder else { throw fail("no 'fortran_order' key") }
        guard let shape else { throw fail("no 'shape' key") }
        return Fields(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }

    private var peek: UInt8? { position < text.count ? text[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(DatasetError) {
        skipWhitespace()
        guard peek == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    private mutating func parseString() throws(DatasetError) -> String {
        skipWhitespace()
        guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw fail("expected a quoted string")
        }
        position += 1
        let start = position
        while let byte = peek, byte != quote {
            guard byte != UInt8(ascii: "\\"), byte != 0x0A else { throw fail("escapes and line breaks are not allowed in strings") }
            position += 1
        }
        guard peek == quote else { throw fail("unterminated string") }
        let bytes = text[start..<position]
        position += 1
        // Version 1.0 and 2.0 headers are Latin-1, 3.0 headers UTF-8.
        return utf8 ? String(decoding: bytes, as: UTF8.self) : String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    private mutating func parseBool() throws(DatasetError) -> Bool {
        skipWhitespace()
        for (word, value) in [("True", true), ("False", false)] {
            let bytes = Array(word.utf8)
            if text.count - position >= bytes.count, Array(text[position..<(position + bytes.count)]) == bytes {
                position += bytes.count
                return value
            }
        }
        throw fail("'fortran_order' must be True or False")
    }

    private mutating func parseTuple() throws(DatasetError) -> [Int] {
        try expect(UInt8(ascii: "("))
        var values = [Int]()
        var trailingComma = false
        while true {
            skipWhitespace()
            if peek == UInt8(ascii: ")") { break }
            values.append(try parseInteger())
            skipWhitespace()
            trailingComma = peek == UInt8(ascii: ",")
            if trailingComma {
                position += 1
            } else if peek != UInt8(ascii: ")") {
                throw fail("expected ',' or ')' in 'shape'")
            }
        }
        position += 1
        guard values.count != 1 || trailingComma else { throw fail("'shape' (\(values[0])) is not a tuple; write (\(values[0]),)") }
        return values
    }

    private mutating func parseInteger() throws(DatasetError) -> Int {
        let start = position
        var value = 0
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw fail("a 'shape' dimension is too large") }
            value = sum
            position += 1
        }
        guard position > start else { throw fail("'shape' must hold non-negative integers") }
        if peek == UInt8(ascii: "L") { position += 1 }
        return value
    }

    private func fail(_ reason: String) -> DatasetError {
        .malformedNumpyHeader(path: path, reason: "\(reason) at byte \(position) of the header text")
    }
}
