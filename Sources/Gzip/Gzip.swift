import CZlib

/// A zlib failure while compressing or decompressing.
public struct GzipError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// gzip and zlib streams through the system's zlib, and the CRC-32 that PNG
/// chunks and checkpoint checksums use.
public enum Gzip {
    /// True when `bytes` start with the gzip magic number.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses a gzip stream (also accepts concatenated members).
    public static func decompress(_ compressed: [UInt8]) throws(GzipError) -> [UInt8] {
        try inflate(compressed, windowBits: 15 + 32)
    }

    /// Compresses `data` as a zlib stream (the format inside PNG's IDAT).
    public static func zlibCompress(_ data: [UInt8], level: Int32 = 6) throws(GzipError) -> [UInt8] {
        try deflate(data, level: level, windowBits: 15)
    }

    /// Compresses `data` as a gzip file.
    public static func compress(_ data: [UInt8], level: Int32 = 6) throws(GzipError) -> [UInt8] {
        try deflate(data, level: level, windowBits: 15 + 16)
    }

    /// CRC-32 (the ISO-HDLC polynomial of gzip and PNG), continuing from `initial`.
    public static func crc32(_ bytes: some Collection<UInt8>, initial: UInt32 = 0) -> UInt32 {
        let contiguous = Array(bytes)
        return contiguous.withUnsafeBufferPointer { buffer in
            var crc = UInt(initial)
            var offset = 0
            while offset < buffer.count {
                let chunk = min(buffer.count - offset, Int(UInt32.max))
                crc = CZlib.crc32(crc, buffer.baseAddress! + offset, UInt32(chunk))
                offset += chunk
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }

    private static func inflate(_ input: [UInt8], windowBits: Int32) throws(GzipError) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(input.count * 4)
        let result: String? = input.withUnsafeBufferPointer { source -> String? in
            var stream = z_stream()
            guard vae_inflate_init2(&stream, windowBits) == Z_OK else { return "zlib could not start inflating" }
            defer { inflateEnd(&stream) }
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow (windowBits 47 handles the header).
                    if stream.avail_in > 0 && windowBits > 15 + 16 {
                        guard inflateReset(&stream) == Z_OK else { return "zlib could not continue to the next member" }
                        continue
                    }
                    return nil
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 { return "compressed data is truncated" }
                case Z_BUF_ERROR:
                    return "compressed data is truncated"
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                    return "compressed data is corrupt (\(detail))"
                }
            }
        }
        if let result { throw GzipError(message: result) }
        return output
    }

    private static func deflate(_ input: [UInt8], level: Int32, windowBits: Int32) throws(GzipError) -> [UInt8] {
        let result: Result<[UInt8], GzipError> = input.withUnsafeBufferPointer { source in
            var stream = z_stream()
            guard vae_deflate_init2(&stream, level, windowBits) == Z_OK else {
                return .failure(GzipError(message: "zlib could not start deflating"))
            }
            defer { deflateEnd(&stream) }
            var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(source.count))) + 64)
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
            guard status == Z_STREAM_END else {
                return .failure(GzipError(message: "zlib deflate failed with code \(status)"))
            }
            output.removeLast(Int(stream.avail_out))
            return .success(output)
        }
        return try result.get()
    }
}
