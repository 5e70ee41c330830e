/// A strict JSON reader for safetensors headers (RFC 8259).
///
/// Foundation's `JSONSerialization` is not used because a header is hostile
/// input and its answers are too forgiving for that: it keeps one of two
/// duplicate keys silently, and its numbers come back as `NSNumber`s whose
/// `intValue` turns `2.5` into 2 and `1e30` into whatever the conversion
/// gives. Here integers are exact or refused, duplicate keys are an error,
/// nesting is bounded (no deep recursion on `[[[[…`), and every error is one
/// line naming the byte offset.
package enum HeaderJSON {
    package indirect enum Value {
        case object([String: Value])
        case array([Value])
        case string(String)
        /// A number written without fraction or exponent that fits in `Int`.
        case integer(Int)
        /// Any other number, as written (a fraction, an exponent, or an
        /// integer too large for `Int`).
        case number(String)
        case bool(Bool)
        case null

        /// What the value is, for error messages.
        package var kind: String {
            switch self {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .integer, .number: "a number"
            case .bool: "a boolean"
            case .null: "null"
            }
        }
    }

    package struct SyntaxError: Error, CustomStringConvertible {
        package let description: String
    }

    /// Containers nested deeper than this are refused; a safetensors header
    /// needs three levels.
    static let maximumDepth = 16

    package static func parse(_ bytes: ArraySlice<UInt8>) throws(SyntaxError) -> Value {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.isAtEnd else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        var isAtEnd: Bool { position >= bytes.endIndex }

        func error(_ message: String) -> SyntaxError {
            SyntaxError(description: "header JSON: \(message) at byte \(position - bytes.startIndex)")
        }

        mutating func skipWhitespace() {
            while position < bytes.endIndex {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> Value {
            guard depth < HeaderJSON.maximumDepth else { throw error("nested more than \(HeaderJSON.maximumDepth) levels deep") }
            guard position < bytes.endIndex else { throw error("unexpected end") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("unexpected byte 0x\(String(bytes[position], radix: 16))")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard bytes.endIndex - position >= expected.count,
                  bytes[position..<(position + expected.count)].elementsEqual(expected)
            else { throw error("invalid literal") }
            position += expected.count
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
            guard position < bytes.endIndex, bytes[position] == byte else { throw error("expected \(what)") }
            position += 1
        }

        mutating func object(depth: Int) throws(SyntaxError) -> Value {
            position += 1
            var members = [String: Value]()
            skipWhitespace()
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key") }
                let keyPosition = position
                let key = try string()
                guard members[key] == nil else {
                    position = keyPosition
                    throw error("duplicate key \(HeaderJSON.quoted(key))")
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
                members[key] = try value(depth: depth + 1)
                skipWhitespace()
                guard position < bytes.endIndex else { throw error("unexpected end inside an object") }
                if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                }
                try expect(UInt8(ascii: ","), "',' or '}'")
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> Value {
            position += 1
            var elements = [Value]()
            skipWhitespace()
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.endIndex else { throw error("unexpected end inside an array") }
                if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    return .array(elements)
                }
                try expect(UInt8(ascii: ","), "',' or ']'")
            }
        }

        /// A string's contents, unescaped; raw bytes must be valid UTF-8.
        mutating func string() throws(SyntaxError) -> String {
            position += 1
            var utf8 = [UInt8]()
            while true {
                // Copy the run of plain bytes up to the next quote, backslash
                // or control character in one piece.
                let run = position
                while position < bytes.endIndex, bytes[position] >= 0x20,
                      bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                    position += 1
                }
                utf8.append(contentsOf: bytes[run..<position])
                guard position < bytes.endIndex else { throw error("unterminated string") }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    try escape(into: &utf8)
                default:
                    position -= 1
                    throw error("control character in a string")
                }
            }
        }

        mutating func escape(into utf8: inout [UInt8]) throws(SyntaxError) {
            guard position < bytes.endIndex else { throw error("unterminated escape") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte); return
            case UInt8(ascii: "b"): utf8.append(0x08); return
            case UInt8(ascii: "f"): utf8.append(0x0C); return
            case UInt8(ascii: "n"): utf8.append(0x0A); return
            case UInt8(ascii: "r"): utf8.append(0x0D); return
            case UInt8(ascii: "t"): utf8.append(0x09); return
            case UInt8(ascii: "u"): break
            default: throw error("invalid escape")
            }
            var scalar = try hexQuad()
            if (0xD800..<0xDC00).contains(scalar) {
                try expect(UInt8(ascii: "\\"), "a low surrogate")
                try expect(UInt8(ascii: "u"), "a low surrogate")
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let character = Unicode.Scalar(scalar) else { throw error("lone surrogate") }
            utf8.append(contentsOf: String(character).utf8)
        }

        mutating func hexQuad() throws(SyntaxError) -> UInt32 {
            guard bytes.endIndex - position >= 4 else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Self.hexDigit(bytes[position]) else { throw error("invalid \\u escape") }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        static func hexDigit(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// RFC 8259's number grammar; integers are accumulated with overflow
        /// checks and anything else is kept as text.
        mutating func number() throws(SyntaxError) -> Value {
            let start = position
            let negative = bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            guard position < bytes.endIndex, Self.isDigit(bytes[position]) else { throw error("invalid number") }
            var magnitude = 0
            var fits = true
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                while position < bytes.endIndex, Self.isDigit(bytes[position]) {
                    let (shifted, shiftOverflow) = magnitude.multipliedReportingOverflow(by: 10)
                    let (next, addOverflow) = shifted.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
                    fits = fits && !shiftOverflow && !addOverflow
                    magnitude = next
                    position += 1
                }
            }
            var isInteger = true
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                try digits()
            }
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if position < bytes.endIndex, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                try digits()
            }
            if isInteger && fits { return .integer(negative ? -magnitude : magnitude) }
            return .number(String(decoding: bytes[start..<position], as: UTF8.self))
        }

        mutating func digits() throws(SyntaxError) {
            guard position < bytes.endIndex, Self.isDigit(bytes[position]) else { throw error("invalid number") }
            while position < bytes.endIndex, Self.isDigit(bytes[position]) { position += 1 }
        }

        static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    }

    /// `text` for a one-line error message: quoted, cut to 40 characters,
    /// with control characters (newlines included) escaped.
    package static func quoted(_ text: String) -> String {
        let cut = text.unicodeScalars.count > 40 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(40))) + "…" : text
        return "\"" + cut.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0) }.joined() + "\""
    }
}
