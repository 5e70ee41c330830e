/// TFRecord framing, the container of TensorBoard event files.
///
/// Each record is: the payload length as a little-endian UInt64, the masked
/// CRC-32C of those 8 bytes (UInt32 LE), the payload, and the masked CRC-32C
/// of the payload (UInt32 LE). The length has its own checksum so that a
/// reader can tell a torn or corrupt length from a huge record.
enum TFRecord {
    /// Bytes a record adds around its payload.
    static let overhead = 16

    /// The complete record holding `payload`.
    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var record = [UInt8]()
        record.reserveCapacity(payload.count + overhead)
        let length = littleEndianBytes(UInt64(payload.count))
        record += length
        record += littleEndianBytes(CRC32C.masked(length))
        record += payload
        record += littleEndianBytes(CRC32C.masked(payload))
        return record
    }

    /// The payloads of the complete records in `bytes`, checking both CRCs of
    /// each; `bytes` must end exactly at a record boundary.
    static func payloads(in bytes: [UInt8], path: String) throws(TensorBoardError) -> [[UInt8]] {
        var payloads = [[UInt8]]()
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else {
                throw .corruptRecord(path: path, offset: offset, reason: "a torn length header")
            }
            let lengthBytes = bytes[offset..<offset + 8]
            guard readLittleEndian(bytes, at: offset + 8, as: UInt32.self) == CRC32C.masked(lengthBytes) else {
                throw .corruptRecord(path: path, offset: offset, reason: "the length's CRC does not match")
            }
            let length = readLittleEndian(bytes, at: offset, as: UInt64.self)
            let start = offset + 12
            guard length <= UInt64(bytes.count - start), bytes.count - start - Int(length) >= 4 else {
                throw .corruptRecord(path: path, offset: offset, reason: "a \(length)-byte payload runs past the end")
            }
            let payload = Array(bytes[start..<start + Int(length)])
            guard readLittleEndian(bytes, at: start + Int(length), as: UInt32.self) == CRC32C.masked(payload) else {
                throw .corruptRecord(path: path, offset: offset, reason: "the payload's CRC does not match")
            }
            payloads.append(payload)
            offset = start + Int(length) + 4
        }
        return payloads
    }

    static func littleEndianBytes<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        (0..<Integer.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func readLittleEndian<Integer: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int, as _: Integer.Type) -> Integer {
        (0..<Integer.bitWidth / 8).reduce(Integer.zero) { value, index in
            value | Integer(bytes[offset + index]) << (index * 8)
        }
    }
}
