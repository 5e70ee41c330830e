import Foundation

/// The safetensors container (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian header length, a JSON header mapping tensor names
/// to dtype, shape and byte range, optional string `__metadata__`, then the
/// raw little-endian tensor bytes.
///
/// vae-dist writes only `F32` tensors, in the order given, with the header
/// padded by spaces to 8 bytes so the data is aligned; the bytes depend only
/// on the inputs, so identical states give identical files.
enum SafeTensors {
    struct Tensor: Equatable {
        var name: String
        var shape: [Int]
        var bytes: [UInt8]
    }

    struct Entry: Equatable {
        var dtype: String
        var shape: [Int]
        var range: Range<Int>
    }

    struct Contents {
        var entries: [String: Entry]
        var metadata: [String: String]
        /// The data section (everything after the header).
        var data: ArraySlice<UInt8>
    }

    enum FormatError: Error, CustomStringConvertible {
        case invalid(String)
        var description: String {
            switch self { case let .invalid(reason): reason }
        }
    }

    static func encode(_ tensors: [Tensor], metadata: [String: String]) -> [UInt8] {
        var fields = [String]()
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
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

    /// Parses and checks the container: header bounds, JSON, dtypes, that
    /// every byte range matches its shape and lies inside the file, and that
    /// the ranges tile the data section exactly.
    static func decode(_ file: [UInt8]) throws(FormatError) -> Contents {
        guard file.count >= 8 else { throw .invalid("file is \(file.count) bytes, too short for a safetensors header") }
        var headerLength: UInt64 = 0
        for index in 0..<8 { headerLength |= UInt64(file[index]) << (8 * UInt64(index)) }
        guard headerLength > 1, headerLength <= 100_000_000, Int(headerLength) <= file.count - 8 else {
            throw .invalid("header length \(headerLength) does not fit a \(file.count)-byte file (truncated?)")
        }
        let headerBytes = file[8..<(8 + Int(headerLength))]
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw .invalid("header is not valid JSON")
        }
        guard let header = object as? [String: Any] else { throw .invalid("header is not a JSON object") }
        let data = file[(8 + Int(headerLength))...]
        var metadata = [String: String]()
        var entries = [String: Entry]()
        for (name, value) in header {
            if name == "__metadata__" {
                guard let pairs = value as? [String: Any] else { throw .invalid("__metadata__ is not an object") }
                for (key, item) in pairs {
                    guard let text = item as? String else { throw .invalid("metadata \(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let fields = value as? [String: Any],
                  let dtype = fields["dtype"] as? String,
                  let shape = (fields["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (fields["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2
            else { throw .invalid("tensor \(name) has a malformed header entry") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= data.count else {
                throw .invalid("tensor \(name) lies outside the file's data (truncated?)")
            }
            let width = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1][dtype] ?? 0
            guard width > 0 else { throw .invalid("tensor \(name) has unsupported dtype \(dtype)") }
            guard shape.reduce(width, *) == offsets[1] - offsets[0] else {
                throw .invalid("tensor \(name): shape \(shape) does not match its \(offsets[1] - offsets[0]) bytes")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        let ranges = entries.values.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        var expected = 0
        for range in ranges {
            guard range.lowerBound == expected else { throw .invalid("tensor data ranges overlap or leave gaps") }
            expected = range.upperBound
        }
        guard expected == data.count else {
            throw .invalid("data section is \(data.count) bytes but the tensors cover \(expected)")
        }
        return Contents(entries: entries, metadata: metadata, data: data)
    }

    private static func jsonString(_ text: String) -> String {
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
