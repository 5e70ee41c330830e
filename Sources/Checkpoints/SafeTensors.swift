/// The safetensors container (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian header length, a JSON header mapping tensor names
/// to dtype, shape and byte range, optional string `__metadata__`, then the
/// raw little-endian tensor bytes.
///
/// vae-dist writes only `F32` tensors, in the order given, with the header
/// padded by spaces to 8 bytes so the data is aligned; the bytes depend only
/// on the inputs, so identical states give identical files. Reading is in
/// `SafeTensors+Decoding.swift`.
package enum SafeTensors {
    struct Tensor: Equatable {
        var name: String
        var shape: [Int]
        var bytes: [UInt8]
    }

    struct Entry: Equatable {
        var dtype: String
        var shape: [Int]
        /// Byte range within ``Contents/data``.
        var range: Range<Int>
    }

    struct Contents {
        var entries: [String: Entry]
        var metadata: [String: String]
        /// The data section (everything after the header).
        var data: ArraySlice<UInt8>

        /// The bytes of a tensor listed in ``entries``.
        func bytes(of entry: Entry) -> ArraySlice<UInt8> {
            data[(data.startIndex + entry.range.lowerBound)..<(data.startIndex + entry.range.upperBound)]
        }
    }

    enum FormatError: Error, CustomStringConvertible {
        case invalid(String)
        var description: String {
            switch self { case let .invalid(reason): reason }
        }
    }

    /// Bytes per element of the dtypes the reader accepts (vae-dist writes
    /// and loads only F32; the others are recognized so a file of them is
    /// reported as "F16, vae-dist reads F32" rather than as garbage).
    static let elementWidths = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1]

    /// The reference implementation's limit; a longer header is refused
    /// before it is parsed.
    static let maximumHeaderLength = 100_000_000

    /// Metadata keys in the order `encode` writes them and checksums see
    /// them: by their UTF-8 bytes, which for ASCII keys is alphabetical.
    static func sortedKeys(_ metadata: [String: String]) -> [String] {
        metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func encode(_ tensors: [Tensor], metadata: [String: String]) -> [UInt8] {
        var fields = [String]()
        if !metadata.isEmpty {
            let pairs = sortedKeys(metadata).map { key in "\(jsonString(key)):\(jsonString(metadata[key] ?? ""))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            precondition(tensor.bytes.count == tensor.shape.reduce(4, *), "tensor \(tensor.name) has the wrong byte count")
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}")
            offset += tensor.bytes.count
        }
        var header = Array("{\(fields.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var file = [UInt8]()
        file.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        for tensor in tensors { file.append(contentsOf: tensor.bytes) }
        return file
    }

    package static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case let s where s.value < 0x20: escaped += "\\u" + String(repeating: "0", count: 4 - String(s.value, radix: 16).count) + String(s.value, radix: 16)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
