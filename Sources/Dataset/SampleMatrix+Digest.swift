extension SampleMatrix {
    /// Bytes per sampled block and how many blocks the digest reads.
    static let digestBlockSize = 4096
    static let digestBlockCount = 64

    /// A cheap 64-bit digest for checking that every rank opened the same
    /// data, without reading it all (a rank would otherwise page in a whole
    /// dataset, possibly larger than memory, just to compare).
    ///
    /// It covers the element type, the row count, the sample shape, and the
    /// bytes of ``digestBlockCount`` blocks of ``digestBlockSize`` bytes of
    /// the stored rows spread evenly from the first byte to the last (all of
    /// them when the rows hold 256 KiB or less), hashed with FNV-1a. It does
    /// not cover the bytes between those blocks, the file's name or its
    /// modification time: two copies of one file on different hosts agree,
    /// and a file that differs only between sampled blocks is not noticed.
    public var digest: UInt64 {
        var hash = FNV1a()
        hash.mix(UInt64(element.byteWidth))
        hash.mix(UInt64(count))
        hash.mix(UInt64(features))
        if let image = shape.image {
            hash.mix(UInt64(image.height)); hash.mix(UInt64(image.width)); hash.mix(UInt64(image.channels))
        }
        for block in Self.digestBlocks(byteCount: dataByteCount) {
            hash.mix(storedBytes(in: block))
        }
        return hash.value
    }

    /// The stored byte ranges the digest reads: evenly spaced, the first at
    /// 0 and the last ending at `byteCount`, never overlapping.
    static func digestBlocks(byteCount: Int) -> [Range<Int>] {
        let size = digestBlockSize
        let blocks = (byteCount + size - 1) / size
        guard blocks > digestBlockCount else {
            return stride(from: 0, to: byteCount, by: size).map { $0..<min($0 + size, byteCount) }
        }
        // Block i of `digestBlockCount` starts at i·(byteCount − size)/(count − 1),
        // computed in Double-free integer steps that cannot overflow.
        let span = byteCount - size
        let last = digestBlockCount - 1
        return (0...last).map { index in
            let start = span / last * index + span % last * index / last
            return start..<(start + size)
        }
    }
}

/// 64-bit FNV-1a, for digests that must be equal on every machine.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func mix(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    }

    mutating func mix(_ word: UInt64) {
        mix((0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) })
    }

    mutating func mix(_ text: String) {
        mix(UInt64(text.utf8.count))
        mix(text.utf8)
    }
}
