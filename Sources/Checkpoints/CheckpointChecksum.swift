import Gzip

/// The checksum recorded in a checkpoint's metadata, per format version.
///
/// - Version 1: `data_crc32`, the CRC-32 of the data section (all tensor
///   bytes) alone. A damaged metadata value (a flipped digit of `step`)
///   goes unnoticed.
/// - Version 2: `content_crc32`, the CRC-32 of the canonical metadata
///   followed by the data section. The canonical metadata is every
///   `__metadata__` pair except `content_crc32` itself, keys in ascending
///   order of their UTF-8 bytes, each pair written as
///   `u64le(len(key)) key u64le(len(value)) value` (lengths in bytes, key
///   and value in UTF-8). Length prefixes make the encoding unambiguous
///   whatever the strings hold. In Python:
///   `b"".join(struct.pack("<Q", len(b)) + b for k in sorted(meta, key=str.encode) if k != "content_crc32" for b in (k.encode(), meta[k].encode()))`.
///   The field has a new name because its meaning changed: a reader that
///   knows only version 1 and checks `data_crc32` over the tensor bytes
///   skips it instead of reporting every version-2 file as corrupt.
///
/// Safetensors allows no bytes outside the header and the tensors, and the
/// header's tensor entries are fixed by the architecture (a version-2 file
/// must place every tensor where vae-dist writes it), so the checksum covers
/// everything a file can say. Both are written as 8 lowercase hex digits.
package enum CheckpointChecksum {
    /// The metadata key holding the checksum in `version`'s files.
    static func field(version: Int) -> String {
        version >= 2 ? "content_crc32" : "data_crc32"
    }

    /// What the checksum in `field` covers, for messages.
    static func scope(field: String) -> String {
        field == self.field(version: 2) ? "metadata and tensor data" : "tensor data"
    }

    /// The checksum of a `version` file with this metadata (whose checksum
    /// field, if present, is left out) and data section, given in pieces.
    static func value(version: Int, metadata: [String: String], data: [ArraySlice<UInt8>]) -> String {
        let prefix = version >= 2 ? canonicalBytes(metadata, excluding: field(version: version)) : []
        return hex(data.reduce(Gzip.crc32(prefix)) { crc, piece in Gzip.crc32(piece, initial: crc) })
    }

    /// The canonical metadata bytes of version 2 (see the type's comment).
    static func canonicalBytes(_ metadata: [String: String], excluding excluded: String) -> [UInt8] {
        var bytes = [UInt8]()
        for key in SafeTensors.sortedKeys(metadata) where key != excluded {
            for text in [key, metadata[key] ?? ""] {
                withUnsafeBytes(of: UInt64(text.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: text.utf8)
            }
        }
        return bytes
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
