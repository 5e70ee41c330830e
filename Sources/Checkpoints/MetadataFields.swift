/// Typed, range-checked reads of a safetensors file's `__metadata__`
/// strings.
///
/// Integers must be written as `String(value)` writes them (no sign, no
/// leading zeros, no spaces), so a value reads back only from the text that
/// encodes it, and must lie in the range the caller allows: a range chosen
/// so that no later arithmetic on the value can overflow. Floats must be
/// finite. Errors quote the offending text, escaped to stay on one line.
struct MetadataFields {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    let values: [String: String]

    func string(_ key: String) throws(Invalid) -> String {
        guard let text = values[key] else { throw Invalid(description: "metadata field \(key) is missing") }
        return text
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(Invalid) -> Int {
        let text = try string(key)
        guard let value = Int(text), String(value) == text else {
            throw Invalid(description: "metadata field \(key) is \(HeaderJSON.quoted(text)), not an integer")
        }
        guard range.contains(value) else {
            throw Invalid(description: "metadata field \(key) is \(value), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func unsigned(_ key: String) throws(Invalid) -> UInt64 {
        let text = try string(key)
        guard let value = UInt64(text), String(value) == text else {
            throw Invalid(description: "metadata field \(key) is \(HeaderJSON.quoted(text)), not a non-negative integer")
        }
        return value
    }

    func float<Value: BinaryFloatingPoint & LosslessStringConvertible>(
        _ key: String, as type: Value.Type = Value.self
    ) throws(Invalid) -> Value {
        let text = try string(key)
        guard let value = Value(text), value.isFinite else {
            throw Invalid(description: "metadata field \(key) is \(HeaderJSON.quoted(text)), not a finite number")
        }
        return value
    }

    /// A list of positive integers written `a,b,c` (empty for none).
    func positiveIntegers(_ key: String) throws(Invalid) -> [Int] {
        let text = try string(key)
        guard !text.isEmpty else { return [] }
        var numbers = [Int]()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Int(part), String(value) == part, value > 0 else {
                throw Invalid(description: "metadata field \(key) is \(HeaderJSON.quoted(text)), not a list of positive integers")
            }
            numbers.append(value)
        }
        return numbers
    }
}
