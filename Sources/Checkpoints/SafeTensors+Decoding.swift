extension SafeTensors {
    /// Parses and checks the container, treating the file as hostile: the
    /// header length is bounded by the file before anything is read, every
    /// size and offset is computed with overflow checks and bounded by the
    /// data section, each range must match its dtype × shape, and the ranges
    /// must tile the data section exactly (no overlap, gap or trailing byte).
    /// Every error is one line; names from the file are quoted and escaped.
    static func decode(_ file: [UInt8]) throws(FormatError) -> Contents {
        let header = try headerBytes(of: file)
        let data = file[header.endIndex...]
        let root: HeaderJSON.Value
        do {
            root = try HeaderJSON.parse(header)
        } catch {
            throw .invalid(error.description)
        }
        guard case let .object(members) = root else { throw .invalid("header is \(root.kind), not a JSON object") }
        var metadata = [String: String]()
        var entries = [String: Entry]()
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try Self.metadata(value)
            } else {
                entries[name] = try entry(named: name, value, dataCount: data.count)
            }
        }
        try checkTiling(entries, dataCount: data.count)
        return Contents(entries: entries, metadata: metadata, data: data)
    }

    /// The JSON header's bytes, after checking that the file looks like
    /// safetensors at all (so a PNG or a text file is called that, not a
    /// file with a huge header) and that the length fits the file.
    private static func headerBytes(of file: [UInt8]) throws(FormatError) -> ArraySlice<UInt8> {
        guard !file.isEmpty else { throw .invalid("the file is empty, not a safetensors file") }
        guard file.count >= 8 else { throw .invalid("\(file.count) bytes are too short to be a safetensors file") }
        guard file.count > 8 else { throw .invalid("the file ends after the 8-byte header length (truncated?)") }
        guard file[8] == UInt8(ascii: "{") else {
            throw .invalid("not a safetensors file (no JSON header after the 8-byte length)")
        }
        var length: UInt64 = 0
        for index in 0..<8 { length |= UInt64(file[index]) << (8 * UInt64(index)) }
        let available = file.count - 8
        guard length >= 2 else { throw .invalid("header length \(length) is too short for a JSON object") }
        guard length <= UInt64(available) else {
            throw .invalid("header length \(length) runs past the end of the \(file.count)-byte file (truncated?)")
        }
        guard length <= UInt64(maximumHeaderLength) else {
            throw .invalid("header length \(length) exceeds the \(maximumHeaderLength)-byte limit")
        }
        return file[8..<(8 + Int(length))]
    }

    private static func metadata(_ value: HeaderJSON.Value) throws(FormatError) -> [String: String] {
        guard case let .object(pairs) = value else { throw .invalid("__metadata__ is \(value.kind), not an object") }
        var metadata = [String: String]()
        for (key, item) in pairs {
            guard case let .string(text) = item else {
                throw .invalid("metadata \(HeaderJSON.quoted(key)) is \(item.kind), not a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func entry(named name: String, _ value: HeaderJSON.Value, dataCount: Int) throws(FormatError) -> Entry {
        let tensor = "tensor \(HeaderJSON.quoted(name))"
        guard case let .object(fields) = value else { throw .invalid("\(tensor) is \(value.kind), not an object") }
        guard Set(fields.keys) == ["dtype", "shape", "data_offsets"] else {
            throw .invalid("\(tensor) must have exactly the fields dtype, shape and data_offsets")
        }
        guard case let .string(dtype) = fields["dtype"] else { throw .invalid("\(tensor): dtype is not a string") }
        guard let width = elementWidths[dtype] else {
            throw .invalid("\(tensor) has unsupported dtype \(HeaderJSON.quoted(dtype))")
        }
        let shape = try naturals(fields["shape"], "\(tensor): shape")
        guard shape.count <= maximumRank else { throw .invalid("\(tensor) has more than \(maximumRank) dimensions") }
        let offsets = try naturals(fields["data_offsets"], "\(tensor): data_offsets")
        guard offsets.count == 2 else { throw .invalid("\(tensor): data_offsets must be two numbers") }
        guard offsets[0] <= offsets[1], offsets[1] <= dataCount else {
            throw .invalid("\(tensor): data_offsets \(offsets) lie outside the \(dataCount)-byte data section (truncated?)")
        }
        guard let bytes = byteCount(shape: shape, width: width) else {
            throw .invalid("\(tensor): shape \(shape) has more elements than memory can hold")
        }
        guard bytes == offsets[1] - offsets[0] else {
            throw .invalid("\(tensor): shape \(shape) of \(dtype) needs \(bytes) bytes, data_offsets give \(offsets[1] - offsets[0])")
        }
        return Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
    }

    /// More dimensions than any framework uses; the bound keeps shapes (and
    /// the messages that print them) small.
    static let maximumRank = 64

    /// A JSON array of non-negative integers (shape, data_offsets).
    private static func naturals(_ value: HeaderJSON.Value?, _ what: String) throws(FormatError) -> [Int] {
        guard case let .array(elements) = value else { throw .invalid("\(what) is not an array") }
        var numbers = [Int]()
        numbers.reserveCapacity(elements.count)
        for element in elements {
            guard case let .integer(number) = element, number >= 0 else {
                throw .invalid("\(what) must hold non-negative integers that fit in 64 bits")
            }
            numbers.append(number)
        }
        return numbers
    }

    /// `width` × the product of `shape`, or nil when it overflows `Int`.
    /// An empty dimension makes the tensor empty whatever the others are.
    private static func byteCount(shape: [Int], width: Int) -> Int? {
        if shape.contains(0) { return 0 }
        var total = width
        for size in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// The ranges, in order, must cover `0..<dataCount` exactly once.
    private static func checkTiling(_ entries: [String: Entry], dataCount: Int) throws(FormatError) {
        let ordered = entries.sorted { a, b in
            (a.value.range.lowerBound, a.value.range.upperBound, a.key) < (b.value.range.lowerBound, b.value.range.upperBound, b.key)
        }
        var covered = 0
        for (name, entry) in ordered {
            if entry.range.lowerBound < covered {
                throw .invalid("tensor \(HeaderJSON.quoted(name)) overlaps the data of another tensor")
            }
            if entry.range.lowerBound > covered {
                throw .invalid("the data section has a gap before tensor \(HeaderJSON.quoted(name))")
            }
            covered = entry.range.upperBound
        }
        guard covered == dataCount else {
            throw .invalid("the data section is \(dataCount) bytes but the tensors cover \(covered)")
        }
    }
}
